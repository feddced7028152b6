# cmake -DIN=<file> -DOUT=<file.c> -P embed.cmake: IN as a C byte array
# (husk_dmz_image, husk_dmz_image_len), without depending on xxd.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n  "
       bytes "${bytes}")
file(WRITE ${OUT}.tmp
     "/* Generated from husk-dmz by src/dmz/embed.cmake. */\n"
     "#include <stddef.h>\n\n"
     "const unsigned char husk_dmz_image[] = {\n  ${bytes}\n};\n"
     "const size_t husk_dmz_image_len = ${len};\n")
file(RENAME ${OUT}.tmp ${OUT})
