/*
 * session_cache.c — officers' sessions remembered for a few seconds.
 *
 * Every officer request checks its session token; reading the session
 * table each time costs a read transaction, the largest cost of a lookup
 * after the record itself. The server keeps recent answers here, shared by
 * its event loops, for DC__SESSION_CACHE_MS. Logging out drops the entry at
 * once for the whole server; a session ended elsewhere (another server
 * node, `dancu officer disable`) stops working within that time. Entries are
 * found by a keyed hash of the token (libsodium shorthash with a random
 * key) and confirmed with a constant-time comparison.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/officer.h"

#include "core/internal.h"
#include "http/http.h"

#define SLOTS 1024

struct slot {
	char token[DC_TOKEN_LEN];
	struct dc_officer o;
	int64_t until; /* 0 = empty */
};

struct dc__session_cache {
	pthread_mutex_t mu;
	unsigned char key[crypto_shorthash_KEYBYTES];
	struct slot slots[SLOTS];
};

struct dc__session_cache *dc__session_cache_new(void)
{
	struct dc__session_cache *sc = calloc(1, sizeof *sc);
	if (!sc)
		return NULL;
	pthread_mutex_init(&sc->mu, NULL);
	crypto_shorthash_keygen(sc->key);
	return sc;
}

void dc__session_cache_free(struct dc__session_cache *sc)
{
	if (!sc)
		return;
	pthread_mutex_destroy(&sc->mu);
	sodium_memzero(sc, sizeof *sc);
	free(sc);
}

static struct slot *slot_of(struct dc__session_cache *sc, const char *token)
{
	unsigned char h[crypto_shorthash_BYTES];
	crypto_shorthash(h, (const unsigned char *)token, DC_TOKEN_LEN, sc->key);
	uint32_t i;
	memcpy(&i, h, sizeof i);
	return &sc->slots[i % SLOTS];
}

int dc__session_cache_get(struct dc__session_cache *sc, const char *token, int64_t now_ms,
                          struct dc_officer *out)
{
	int hit = 0;
	pthread_mutex_lock(&sc->mu);
	struct slot *s = slot_of(sc, token);
	if (s->until > now_ms && !sodium_memcmp(s->token, token, DC_TOKEN_LEN)) {
		*out = s->o;
		hit = 1;
	}
	pthread_mutex_unlock(&sc->mu);
	return hit;
}

void dc__session_cache_put(struct dc__session_cache *sc, const char *token,
                           const struct dc_officer *o, int64_t until_ms)
{
	pthread_mutex_lock(&sc->mu);
	struct slot *s = slot_of(sc, token);
	memcpy(s->token, token, DC_TOKEN_LEN);
	s->o = *o;
	s->until = until_ms;
	pthread_mutex_unlock(&sc->mu);
}

void dc__session_cache_drop(struct dc__session_cache *sc, const char *token)
{
	pthread_mutex_lock(&sc->mu);
	struct slot *s = slot_of(sc, token);
	if (!sodium_memcmp(s->token, token, DC_TOKEN_LEN))
		s->until = 0;
	pthread_mutex_unlock(&sc->mu);
}
