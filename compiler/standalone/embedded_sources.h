/* The sources every standalone classifier carries, embedded in ascc at build time
 * (compiler/CMakeLists.txt runs standalone/embed.c over them). */
#ifndef ASCC_EMBEDDED_SOURCES_H
#define ASCC_EMBEDDED_SOURCES_H

extern const char embedded_nn_int8_arith[], embedded_nn_int8_vnni[], embedded_nn_int8_conv[],
    embedded_nn_int8_ops[], embedded_nn_int8_stats[], embedded_nn_int8_layout[],
    embedded_nn_int8_steps[], embedded_nn_int8_params[], embedded_frontend_h[],
    embedded_frontend_c[];

#endif
