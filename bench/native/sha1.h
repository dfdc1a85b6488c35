/*
 * The two primitives the WebSocket opening handshake needs (RFC 6455 §4):
 * SHA-1 of a short string and Base64. Written for one-shot use on inputs of a
 * few dozen bytes; only the handshake calls them, never the data path.
 */
#ifndef WSLOAD_SHA1_H
#define WSLOAD_SHA1_H

#include <stddef.h>
#include <stdint.h>

void sha1(const uint8_t *data, size_t len, uint8_t digest[20]);

/* Writes the Base64 of len bytes plus a NUL into out (room for 4*ceil(len/3)+1 bytes). */
void base64_encode(const uint8_t *in, size_t len, char *out);

/* Sec-WebSocket-Accept for a Sec-WebSocket-Key: Base64(SHA-1(key + GUID)); out holds 29 bytes. */
void ws_accept_for_key(const char *key, char out[29]);

#endif
