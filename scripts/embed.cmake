# Turns a file into a C array: cmake -DIN=file -DOUT=file.c -P embed.cmake
file(READ ${IN} HEX HEX)
string(LENGTH "${HEX}" LEN)
math(EXPR NBYTES "${LEN} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," BODY "${HEX}")
file(WRITE ${OUT} "/* generated from ${IN}; do not edit */\n#include <stddef.h>\n"
  "const char ir_catalog_default_json[] = {${BODY} 0x00};\n"
  "const size_t ir_catalog_default_json_len = ${NBYTES};\n")
