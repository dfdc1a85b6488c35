/*
 * RFC 6455 framing, the parts a client needs: decode the header of a server
 * frame (server frames are unmasked, but a masked one is still accepted) and
 * encode a masked client frame.
 */
#ifndef WSLOAD_WSFRAME_H
#define WSLOAD_WSFRAME_H

#include <stddef.h>
#include <stdint.h>

enum {
    WS_OP_CONT = 0x0,
    WS_OP_TEXT = 0x1,
    WS_OP_BINARY = 0x2,
    WS_OP_CLOSE = 0x8,
    WS_OP_PING = 0x9,
    WS_OP_PONG = 0xA,
};

/* Largest header: 2 bytes + 8-byte length + 4-byte mask key. */
#define WS_MAX_HEADER 14

typedef struct {
    int fin;
    int opcode;
    int masked;
    uint8_t mask[4];
    size_t header_len;
    uint64_t payload_len;
} ws_header_t;

/*
 * Decodes the header at buf[0..len). Returns 1 when complete, 0 when more
 * bytes are needed, -1 on a protocol error (reserved bits, bad control frame).
 */
int ws_decode_header(const uint8_t *buf, size_t len, ws_header_t *h);

/* XORs payload with the 4-byte key, in place. */
void ws_unmask(uint8_t *payload, size_t len, const uint8_t key[4]);

/*
 * Encodes a masked client frame (FIN set) of opcode with payload into out,
 * which must hold len + WS_MAX_HEADER bytes. Returns the frame length.
 */
size_t ws_encode_client_frame(uint8_t *out, int opcode, const uint8_t *payload, size_t len, uint32_t mask_key);

#endif
