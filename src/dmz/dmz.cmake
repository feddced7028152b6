# husk-dmz, the exec trampoline (src/dmz/dmz.c, include/husk/exe.h): built
# with the C compiler as a freestanding static executable, then embedded into
# huskcore as a byte array (dmz_blob.c).  Where dmz.c has no syscall glue for
# the architecture, or with -DHUSK_DMZ=OFF, husk protects itself with the
# sealed copy of its whole binary instead.
option(HUSK_DMZ "Embed the exec trampoline (else: always the sealed self-copy)" ON)

if(HUSK_DMZ AND NOT CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  message(STATUS "husk-dmz: no syscall glue for ${CMAKE_SYSTEM_PROCESSOR}; "
                 "using the sealed self-copy")
  set(HUSK_DMZ OFF)
endif()

if(HUSK_DMZ)
  set(HUSK_DMZ_BIN ${CMAKE_BINARY_DIR}/husk-dmz)
  set(HUSK_DMZ_BLOB ${CMAKE_BINARY_DIR}/dmz_blob.c)
  # Our own flags only: none of the build's (sanitizers, -g, PIE) apply to
  # a program without libc.
  add_custom_command(
    OUTPUT ${HUSK_DMZ_BIN}
    COMMAND ${CMAKE_C_COMPILER} -std=gnu17 -Wall -Wextra -Werror -D_GNU_SOURCE
            -I${CMAKE_SOURCE_DIR}/include
            -Os -static -nostdlib -ffreestanding -fno-builtin -fno-stack-protector
            -fno-asynchronous-unwind-tables -fno-unwind-tables -fcf-protection=none
            -fno-pie -ffunction-sections -fdata-sections -s
            -Wl,--gc-sections -Wl,--build-id=none -Wl,-z,noseparate-code -Wl,-z,norelro
            -o ${HUSK_DMZ_BIN} ${CMAKE_SOURCE_DIR}/src/dmz/dmz.c
    DEPENDS ${CMAKE_SOURCE_DIR}/src/dmz/dmz.c ${CMAKE_SOURCE_DIR}/include/husk/sync.h
    COMMENT "Building the exec trampoline husk-dmz"
    VERBATIM)
  add_custom_command(
    OUTPUT ${HUSK_DMZ_BLOB}
    COMMAND ${CMAKE_COMMAND} -DIN=${HUSK_DMZ_BIN} -DOUT=${HUSK_DMZ_BLOB}
            -P ${CMAKE_SOURCE_DIR}/src/dmz/embed.cmake
    DEPENDS ${HUSK_DMZ_BIN} ${CMAKE_SOURCE_DIR}/src/dmz/embed.cmake
    VERBATIM)
  target_sources(huskcore PRIVATE ${HUSK_DMZ_BLOB})
  target_compile_definitions(huskcore PUBLIC HUSK_HAVE_DMZ=1)
endif()
