#include "wsframe.h"

#include <string.h>

int ws_decode_header(const uint8_t *buf, size_t len, ws_header_t *h)
{
    if (len < 2)
        return 0;
    uint8_t b0 = buf[0], b1 = buf[1];
    if (b0 & 0x70) /* RSV1-3: no extension was negotiated */
        return -1;
    h->fin = (b0 & 0x80) != 0;
    h->opcode = b0 & 0x0F;
    h->masked = (b1 & 0x80) != 0;
    uint64_t plen = b1 & 0x7F;
    size_t hl = 2;
    if (plen == 126) {
        if (len < 4)
            return 0;
        plen = (uint64_t)buf[2] << 8 | buf[3];
        hl = 4;
    } else if (plen == 127) {
        if (len < 10)
            return 0;
        plen = 0;
        for (int i = 0; i < 8; i++)
            plen = plen << 8 | buf[2 + i];
        hl = 10;
    }
    if (h->masked) {
        if (len < hl + 4)
            return 0;
        memcpy(h->mask, buf + hl, 4);
        hl += 4;
    }
    /* Control frames are never fragmented and carry at most 125 bytes. */
    if ((h->opcode & 0x8) && (!h->fin || plen > 125))
        return -1;
    h->header_len = hl;
    h->payload_len = plen;
    return 1;
}

void ws_unmask(uint8_t *payload, size_t len, const uint8_t key[4])
{
    for (size_t i = 0; i < len; i++)
        payload[i] ^= key[i & 3];
}

size_t ws_encode_client_frame(uint8_t *out, int opcode, const uint8_t *payload, size_t len, uint32_t mask_key)
{
    size_t o = 0;
    out[o++] = (uint8_t)(0x80 | (opcode & 0x0F));
    if (len < 126) {
        out[o++] = (uint8_t)(0x80 | len);
    } else if (len <= 0xFFFF) {
        out[o++] = 0x80 | 126;
        out[o++] = (uint8_t)(len >> 8);
        out[o++] = (uint8_t)len;
    } else {
        out[o++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            out[o++] = (uint8_t)((uint64_t)len >> (8 * i));
    }
    uint8_t key[4] = {(uint8_t)(mask_key >> 24), (uint8_t)(mask_key >> 16), (uint8_t)(mask_key >> 8), (uint8_t)mask_key};
    memcpy(out + o, key, 4);
    o += 4;
    for (size_t i = 0; i < len; i++)
        out[o + i] = payload[i] ^ key[i & 3];
    return o + len;
}
