/* The INT8 convs' matrix product by AVX-512 VNNI, where the compiler targets
 * it (-march=native on a CPU that has it; asc's generated models are built
 * so). One vpdpbusd adds four uint8 x int8 products into each of 16 int32
 * lanes: 64 multiply-adds, where the portable int16 loops of nn_int8_conv.h
 * get about 9 per instruction. GCC does not find this form in C loops, so
 * these few functions use intrinsics; without VNNI the header defines
 * nothing and the portable loops run. Integer sums are exact either way: the
 * two paths give the same codes, bit for bit (tests/int8 builds its kernel
 * tests both ways).
 *
 * vpdpbusd takes four consecutive bytes of each lane as four input channels
 * of one column, so a block of 64 columns is first repacked: the rows of
 * input channels c .. c + 3 interleaved byte by byte. */
#ifndef NN_INT8_VNNI_H
#define NN_INT8_VNNI_H

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)
#define NN_I8_VNNI 1

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Columns of a block, and the input channels a block's repacked copy holds
 * (NN_I8_VNNI_MAX_CIN / 4 * 256 bytes on the stack). */
#define NN_I8_VNNI_COLS 64
#define NN_I8_VNNI_MAX_CIN 128

/* Four rows of 64 codes interleaved byte by byte, as vpdpbusd reads them:
 * out[p] holds four codes (one per row) of 16 columns. The byte unpacks work
 * within 128-bit lanes, so out[p] holds, in lane L, columns
 * 16 L + 4 p .. 16 L + 4 p + 3 (nn_i8_vnni_store puts sums back in order). */
static inline void nn_i8_vnni_interleave(__m512i out[4], __m512i r0, __m512i r1, __m512i r2,
                                         __m512i r3) {
    __m512i r01_lo = _mm512_unpacklo_epi8(r0, r1), r01_hi = _mm512_unpackhi_epi8(r0, r1);
    __m512i r23_lo = _mm512_unpacklo_epi8(r2, r3), r23_hi = _mm512_unpackhi_epi8(r2, r3);
    out[0] = _mm512_unpacklo_epi16(r01_lo, r23_lo);
    out[1] = _mm512_unpackhi_epi16(r01_lo, r23_lo);
    out[2] = _mm512_unpacklo_epi16(r01_hi, r23_hi);
    out[3] = _mm512_unpackhi_epi16(r01_hi, r23_hi);
}

/* The 64 columns of rows x[0 .. cin) (x_stride apart) repacked for
 * vpdpbusd: per quad of channels, the four vectors of
 * nn_i8_vnni_interleave, channels past cin zero. */
static inline void nn_i8_vnni_pack(uint8_t *xq, const uint8_t *x, size_t x_stride, int cin) {
    for (int c = 0; c < cin; c += 4) {
        __m512i r[4], packed[4];
        for (int q = 0; q < 4; q++)
            r[q] = c + q < cin ? _mm512_loadu_si512(x + (size_t)(c + q) * x_stride)
                               : _mm512_setzero_si512();
        nn_i8_vnni_interleave(packed, r[0], r[1], r[2], r[3]);
        for (int p = 0; p < 4; p++)
            _mm512_storeu_si512(xq + (size_t)c * NN_I8_VNNI_COLS + 64 * p, packed[p]);
    }
}

/* One output's weights for n <= 4 channels as the 32-bit lane value vpdpbusd
 * multiplies by, zero past n. */
static inline __m512i nn_i8_vnni_weights(const int8_t *w, int n) {
    int8_t bytes[4] = {0, 0, 0, 0};
    for (int i = 0; i < n; i++)
        bytes[i] = w[i];
    int32_t quad;
    memcpy(&quad, bytes, sizeof quad);
    return _mm512_set1_epi32(quad);
}

/* The four accumulators of one output, columns in nn_i8_vnni_pack's order,
 * stored as acc[0 .. 64) in column order: a 4 x 4 transpose of 128-bit
 * lanes. */
static inline void nn_i8_vnni_store(int32_t *acc, const __m512i s[4]) {
    __m512i t0 = _mm512_shuffle_i32x4(s[0], s[1], 0x44), t1 = _mm512_shuffle_i32x4(s[0], s[1], 0xEE);
    __m512i t2 = _mm512_shuffle_i32x4(s[2], s[3], 0x44), t3 = _mm512_shuffle_i32x4(s[2], s[3], 0xEE);
    _mm512_storeu_si512(acc, _mm512_shuffle_i32x4(t0, t2, 0x88));
    _mm512_storeu_si512(acc + 16, _mm512_shuffle_i32x4(t0, t2, 0xDD));
    _mm512_storeu_si512(acc + 32, _mm512_shuffle_i32x4(t1, t3, 0x88));
    _mm512_storeu_si512(acc + 48, _mm512_shuffle_i32x4(t1, t3, 0xDD));
}

/* s[k][p] += the products of one quad of channels: the four repacked
 * column vectors at xc times output k's weights wk[k]. */
static inline void nn_i8_vnni_madd4(__m512i s[4][4], const uint8_t *xc, const __m512i wk[4]) {
    __m512i x0 = _mm512_loadu_si512(xc), x1 = _mm512_loadu_si512(xc + 64);
    __m512i x2 = _mm512_loadu_si512(xc + 128), x3 = _mm512_loadu_si512(xc + 192);
    for (int k = 0; k < 4; k++) {
        s[k][0] = _mm512_dpbusd_epi32(s[k][0], x0, wk[k]);
        s[k][1] = _mm512_dpbusd_epi32(s[k][1], x1, wk[k]);
        s[k][2] = _mm512_dpbusd_epi32(s[k][2], x2, wk[k]);
        s[k][3] = _mm512_dpbusd_epi32(s[k][3], x3, wk[k]);
    }
}

/* acc[k][j] = sum_c w[k * w_stride + c] x[c][j] for four outputs k and the
 * 64 columns repacked in xq: sixteen accumulators stay in registers while
 * the weights stream. Raw codes, not centred: |sum| <= 255 * 127 * cin. */
static inline void nn_i8_vnni_dot4(int32_t acc[4][NN_I8_VNNI_COLS], const uint8_t *xq,
                                   const int8_t *w, size_t w_stride, int cin) {
    __m512i s[4][4], wk[4];
    for (int k = 0; k < 4; k++)
        for (int p = 0; p < 4; p++)
            s[k][p] = _mm512_setzero_si512();
    int c = 0;
    for (; c + 4 <= cin; c += 4) {
        for (int k = 0; k < 4; k++)
            wk[k] = nn_i8_vnni_weights(w + (size_t)k * w_stride + c, 4);
        nn_i8_vnni_madd4(s, xq + (size_t)c * NN_I8_VNNI_COLS, wk);
    }
    if (c < cin) { /* the last, partial quad: its missing channels are zero */
        for (int k = 0; k < 4; k++)
            wk[k] = nn_i8_vnni_weights(w + (size_t)k * w_stride + c, cin - c);
        nn_i8_vnni_madd4(s, xq + (size_t)c * NN_I8_VNNI_COLS, wk);
    }
    for (int k = 0; k < 4; k++)
        nn_i8_vnni_store(acc[k], s[k]);
}

/* nn_i8_vnni_dot4 for one output (the outputs left after the fours). */
static inline void nn_i8_vnni_dot1(int32_t acc[NN_I8_VNNI_COLS], const uint8_t *xq,
                                   const int8_t *w, int cin) {
    __m512i s[4];
    for (int p = 0; p < 4; p++)
        s[p] = _mm512_setzero_si512();
    for (int c = 0; c < cin; c += 4) {
        const uint8_t *xc = xq + (size_t)c * NN_I8_VNNI_COLS;
        __m512i wk = nn_i8_vnni_weights(w + c, cin - c < 4 ? cin - c : 4);
        for (int p = 0; p < 4; p++)
            s[p] = _mm512_dpbusd_epi32(s[p], _mm512_loadu_si512(xc + 64 * p), wk);
    }
    nn_i8_vnni_store(acc, s);
}

/* Taps a depthwise conv may have for nn_i8_vnni_taps (the 3x3 of MFA and
 * the blocks' 3x1 and 1x3 have 9 and 3). */
#define NN_I8_VNNI_MAX_TAPS 12

/* A depthwise conv's sums on a padded plane: acc[k] = sum_t w[t] x[k + off[t]]
 * for every k below n rounded up to 64, taps <= NN_I8_VNNI_MAX_TAPS, raw
 * codes. Each quad of taps is four shifted loads interleaved like four input
 * channels. Reads x[off[t] .. off[t] + n rounded up to 64). */
static inline void nn_i8_vnni_taps(int32_t *acc, const uint8_t *x, const size_t *off,
                                   const int8_t *w, int taps, size_t n) {
    int quads = (taps + 3) / 4;
    __m512i wq[NN_I8_VNNI_MAX_TAPS / 4];
    size_t at[NN_I8_VNNI_MAX_TAPS];
    for (int q = 0; q < quads; q++)
        wq[q] = nn_i8_vnni_weights(w + 4 * q, taps - 4 * q < 4 ? taps - 4 * q : 4);
    for (int t = 0; t < 4 * quads; t++) /* a quad's missing taps weigh 0: any row will do */
        at[t] = t < taps ? off[t] : off[0];
    for (size_t k0 = 0; k0 < n; k0 += NN_I8_VNNI_COLS) {
        __m512i s[4], packed[4];
        for (int p = 0; p < 4; p++)
            s[p] = _mm512_setzero_si512();
        for (int q = 0; q < quads; q++) {
            const uint8_t *xk = x + k0;
            nn_i8_vnni_interleave(packed, _mm512_loadu_si512(xk + at[4 * q]),
                                  _mm512_loadu_si512(xk + at[4 * q + 1]),
                                  _mm512_loadu_si512(xk + at[4 * q + 2]),
                                  _mm512_loadu_si512(xk + at[4 * q + 3]));
            for (int p = 0; p < 4; p++)
                s[p] = _mm512_dpbusd_epi32(s[p], packed[p], wq[q]);
        }
        nn_i8_vnni_store(acc + k0, s);
    }
}

/* acc[o] = sum of the count codes from x + o * count, less count * x_zp, for
 * the windows of whole 64-byte blocks among the first len (count 8, 16, 32
 * or 64): vpsadbw against zero sums each lane's eight codes, and a window
 * adds count / 8 lanes. Returns the windows done. */
static inline size_t nn_i8_vnni_window_sums(int32_t *acc, const uint8_t *x, size_t len, int count,
                                            int32_t x_zp) {
    int per = 64 / count, lanes = count / 8; /* windows per block, lanes per window */
    size_t o = 0;
    for (; o + (size_t)per <= len; o += (size_t)per) {
        int64_t part[8];
        _mm512_storeu_si512(part, _mm512_sad_epu8(_mm512_loadu_si512(x + o * (size_t)count),
                                                  _mm512_setzero_si512()));
        for (int w = 0; w < per; w++) {
            int64_t sum = 0;
            for (int l = 0; l < lanes; l++)
                sum += part[w * lanes + l];
            acc[o + (size_t)w] = (int32_t)sum - count * x_zp;
        }
    }
    return o;
}

/* The constants of one requantisation (nn_i8_requantize_run's arithmetic)
 * as vectors, made once per run or per block of rows: right = 31 - shift in
 * 31..62, a uint8 grid, and a 64-bit offset that may carry, besides the
 * conv's fraction of a unit, the accumulators' base times the multiplier
 * ((acc + base) mult + offset = acc mult + (base mult + offset), the same
 * product, so the base needs no pass of its own). */
typedef struct NnI8VnniRequant {
    __m512i mult, bias, low, high, zero_point;
    __m128i right;
} NnI8VnniRequant;

static inline NnI8VnniRequant nn_i8_vnni_requant(int32_t mult, int64_t offset, int right,
                                                 int32_t zero_point, int32_t lo, int32_t hi) {
    NnI8VnniRequant q;
    q.mult = _mm512_set1_epi64(mult);
    q.bias = _mm512_set1_epi64(offset + ((int64_t)1 << (right - 1)));
    q.right = _mm_cvtsi32_si128(right);
    q.low = _mm512_set1_epi64(lo - zero_point);
    q.high = _mm512_set1_epi64(hi - zero_point);
    q.zero_point = _mm512_set1_epi32(zero_point);
    return q;
}

/* 16 accumulators requantised: the 64-bit products of even and odd lanes by
 * vpmuldq (GCC's own loop sign-extends and uses the slower 64 x 64
 * multiply), floor((p + offset + 2^(right - 1)) / 2^right) by an arithmetic
 * shift (the rounding to nearest, ties up), clamped to [lo - zp, hi - zp]
 * (which is clamping zp + v to [lo, hi]), zp added, one byte a lane. */
static inline __m128i nn_i8_vnni_requant16(const NnI8VnniRequant *q, __m512i a) {
    __m512i even = _mm512_add_epi64(_mm512_mul_epi32(a, q->mult), q->bias);
    __m512i odd = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(a, 32), q->mult), q->bias);
    even = _mm512_min_epi64(_mm512_max_epi64(_mm512_sra_epi64(even, q->right), q->low), q->high);
    odd = _mm512_min_epi64(_mm512_max_epi64(_mm512_sra_epi64(odd, q->right), q->low), q->high);
    __m512i v = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
    return _mm512_cvtepi32_epi8(_mm512_add_epi32(v, q->zero_point));
}

/* y[i] for i < n, 16 at a time and the last few by masked loads and stores
 * (nothing is read or written past n). */
static inline void nn_i8_vnni_requantize(uint8_t *y, const int32_t *acc, size_t n,
                                         const NnI8VnniRequant *q) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm_storeu_si128((__m128i *)(void *)(y + i),
                         nn_i8_vnni_requant16(q, _mm512_loadu_si512(acc + i)));
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        _mm_mask_storeu_epi8(y + i, m, nn_i8_vnni_requant16(q, _mm512_maskz_loadu_epi32(m, acc + i)));
    }
}

#if defined(__AVX512VBMI__)
#define NN_I8_VBMI 1
/* y[r][k] = table[x[r][k]] for rows r < rows of len codes (rows stride
 * apart in both x and y): 64 codes at a time by two vpermi2b, each looking
 * up one half of the table (the code's low seven bits), and a blend on the
 * code's top bit; a row's last codes by masked loads and stores. */
static inline void nn_i8_vbmi_lookup_rows(uint8_t *y, const uint8_t *x, int rows, size_t len,
                                          size_t stride, const uint8_t table[256]) {
    __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
    __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
    for (int r = 0; r < rows; r++) {
        const uint8_t *xr = x + (size_t)r * stride;
        uint8_t *yr = y + (size_t)r * stride;
        for (size_t k = 0; k < len; k += 64) {
            __mmask64 m = len - k >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << (len - k)) - 1;
            __m512i q = _mm512_maskz_loadu_epi8(m, xr + k);
            __m512i low = _mm512_permutex2var_epi8(t0, q, t1), high = _mm512_permutex2var_epi8(t2, q, t3);
            _mm512_mask_storeu_epi8(yr + k, m, _mm512_mask_blend_epi8(_mm512_movepi8_mask(q), low, high));
        }
    }
}
#endif

#endif /* AVX-512 VNNI */
#endif
