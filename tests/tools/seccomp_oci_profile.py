#!/usr/bin/env python3
"""Convert an engine seccomp profile (Docker/Podman format, e.g. the
/usr/share/containers/seccomp.json of Debian's golang-github-containers-common)
into the OCI `linux.seccomp` object for one capability set and architecture,
the way Podman does (containers/common pkg/seccomp):

- archMap: the entry for the native architecture gives `architectures`
  (the architecture and its subArchitectures);
- an entry is dropped when excludes.arches names the architecture, when
  excludes.caps names any capability the container has, when includes.arches
  does not name the architecture, when includes.caps names a capability it
  lacks, or when includes.minKernel is newer than the running kernel;
- `name`/`names`, `errno`/`errnoRet` and `defaultErrno`/`defaultErrnoRet`
  are folded into the OCI fields.

The capabilities are the container's bounding set: from --caps, or from the
process.capabilities.bounding of a config.json given with --config.  With
--write, the result replaces linux.seccomp in that config.json."""

import argparse
import errno
import json
import os
import platform
import sys

# uname machine -> libseccomp's native architecture name (what engines match
# against the arches of includes/excludes).
MACHINE_TO_NATIVE = {
    "x86_64": "amd64",
    "i386": "x86",
    "i686": "x86",
    "aarch64": "arm64",
    "armv7l": "arm",
    "armv6l": "arm",
    "ppc64le": "ppc64le",
    "ppc64": "ppc64",
    "s390x": "s390x",
    "riscv64": "riscv64",
    "mips64": "mips64",
    "loongarch64": "loong64",
}

# libseccomp native name -> the OCI name used in archMap.
NATIVE_TO_OCI = {
    "amd64": "SCMP_ARCH_X86_64",
    "x86": "SCMP_ARCH_X86",
    "arm64": "SCMP_ARCH_AARCH64",
    "arm": "SCMP_ARCH_ARM",
    "mips64": "SCMP_ARCH_MIPS64",
    "mips64n32": "SCMP_ARCH_MIPS64N32",
    "mipsel64": "SCMP_ARCH_MIPSEL64",
    "mipsel64n32": "SCMP_ARCH_MIPSEL64N32",
    "ppc64": "SCMP_ARCH_PPC64",
    "ppc64le": "SCMP_ARCH_PPC64LE",
    "s390x": "SCMP_ARCH_S390X",
    "riscv64": "SCMP_ARCH_RISCV64",
    "loong64": "SCMP_ARCH_LOONGARCH64",
}


def errno_value(name_or_number, where):
    if isinstance(name_or_number, int):
        return name_or_number
    if str(name_or_number).isdigit():
        return int(name_or_number)
    value = getattr(errno, str(name_or_number), None)
    if value is None:
        sys.exit(f"seccomp_oci_profile: {where}: unknown errno {name_or_number!r}")
    return value


def kernel_version():
    parts = []
    for piece in platform.release().split("-")[0].split(".")[:3]:
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts + [0] * (3 - len(parts)))


def version_tuple(text):
    parts = [int(p) for p in text.split(".")[:3]]
    return tuple(parts + [0] * (3 - len(parts)))


def wanted(entry, arch, caps):
    excludes = entry.get("excludes") or {}
    includes = entry.get("includes") or {}
    if arch in (excludes.get("arches") or []):
        return False
    if any(c in caps for c in excludes.get("caps") or []):
        return False
    if includes.get("arches") and arch not in includes["arches"]:
        return False
    if any(c not in caps for c in includes.get("caps") or []):
        return False
    min_kernel = includes.get("minKernel")
    if min_kernel and kernel_version() < version_tuple(min_kernel):
        return False
    return True


def convert(profile, arch, caps):
    if profile.get("architectures") and profile.get("archMap"):
        sys.exit("seccomp_oci_profile: both 'architectures' and 'archMap' given")
    out = {}
    architectures = list(profile.get("architectures") or [])
    oci_arch = NATIVE_TO_OCI.get(arch)
    for entry in profile.get("archMap") or []:
        if entry.get("architecture") == oci_arch:
            architectures.append(entry["architecture"])
            architectures.extend(entry.get("subArchitectures") or [])
            break
    if architectures:
        out["architectures"] = architectures
    out["defaultAction"] = profile.get("defaultAction", "")
    if profile.get("defaultErrno"):
        out["defaultErrnoRet"] = errno_value(profile["defaultErrno"], "defaultErrno")
    elif profile.get("defaultErrnoRet") is not None:
        out["defaultErrnoRet"] = profile["defaultErrnoRet"]
    for key in ("flags", "listenerPath", "listenerMetadata"):
        if profile.get(key):
            out[key] = profile[key]

    syscalls = []
    for i, entry in enumerate(profile.get("syscalls") or []):
        if not wanted(entry, arch, caps):
            continue
        if entry.get("name") and entry.get("names"):
            sys.exit(f"seccomp_oci_profile: syscalls[{i}]: both 'name' and 'names' given")
        names = [entry["name"]] if entry.get("name") else list(entry.get("names") or [])
        if not names:
            continue
        rule = {"names": names, "action": entry["action"]}
        if entry.get("errno"):
            rule["errnoRet"] = errno_value(entry["errno"], f"syscalls[{i}].errno")
        elif entry.get("errnoRet") is not None:
            rule["errnoRet"] = entry["errnoRet"]
        args = [
            {
                "index": a["index"],
                "value": a.get("value", 0),
                "valueTwo": a.get("valueTwo", 0),
                "op": a["op"],
            }
            for a in entry.get("args") or []
        ]
        if args:
            rule["args"] = args
        syscalls.append(rule)
    out["syscalls"] = syscalls
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profile", default="/usr/share/containers/seccomp.json")
    ap.add_argument("--arch", help="libseccomp native name (default: this machine's)")
    ap.add_argument("--caps", help="comma-separated bounding capabilities")
    ap.add_argument("--config", help="config.json whose process.capabilities.bounding to use")
    ap.add_argument("--write", action="store_true", help="store the result in --config")
    opts = ap.parse_args()

    arch = opts.arch or MACHINE_TO_NATIVE.get(platform.machine())
    if not arch:
        sys.exit(f"seccomp_oci_profile: unknown machine {platform.machine()!r}; pass --arch")
    config = None
    if opts.config:
        with open(opts.config) as f:
            config = json.load(f)
    if opts.caps is not None:
        caps = {c for c in opts.caps.split(",") if c}
    elif config is not None:
        caps = set((config.get("process") or {}).get("capabilities", {}).get("bounding") or [])
    else:
        caps = set()
    with open(opts.profile) as f:
        profile = json.load(f)
    seccomp = convert(profile, arch, caps)

    if opts.write:
        if config is None:
            sys.exit("seccomp_oci_profile: --write needs --config")
        config.setdefault("linux", {})["seccomp"] = seccomp
        tmp = opts.config + ".tmp"
        with open(tmp, "w") as f:
            json.dump(config, f, indent=2)
        os.replace(tmp, opts.config)
    else:
        json.dump(seccomp, sys.stdout, indent=2)
        sys.stdout.write("\n")


if __name__ == "__main__":
    main()
