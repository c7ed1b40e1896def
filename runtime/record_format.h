/* The file `memcg-run --record` writes and `memcg-run --replay` reads
 * (docs/record-format.md): the one definition of its layout, for the writer (record.c), the
 * reader (replay.c) and the documentation. Integers are little-endian (the byte order of
 * every machine memcgc builds for).
 *
 *   offset 0                  struct record_header (RECORD_HEADER_BYTES)
 *   RECORD_HEADER_BYTES       the table: table_bytes bytes of
 *                               string  kernel release
 *                               nitems x string  item name (enum vm_event_item), by value
 *                               ncgroups x { u64 id, u32 parent, string name, string path }
 *                               (parent: an index, or RECORD_NO_PARENT; no circles)
 *                             a string being a u32 length and that many bytes (no NUL)
 *   + table_bytes             struct record_entry, each RECORD_ENTRY_BYTES, to the end:
 *                             buckets never go back; written a second at a time
 */
#ifndef MEMCGC_RECORD_FORMAT_H
#define MEMCGC_RECORD_FORMAT_H

#include <stdint.h>

#define RECORD_MAGIC "memcgrec"         /* 8 bytes, no NUL */
#define RECORD_VERSION 1                /* the newest this memcg-run writes and reads */

struct record_header {
	char magic[8];
	uint32_t version;
	uint32_t table_bytes;           /* the table's length: records start after it */
	uint64_t step_ns;               /* one bucket's length */
	uint64_t start_unix_ns;         /* CLOCK_REALTIME when bucket 0 began (for people) */
	uint32_t nitems;                /* item names in the table */
	uint32_t ncgroups;              /* cgroups in the table */
	uint32_t entry_bytes;           /* RECORD_ENTRY_BYTES */
	uint32_t source;                /* RECORD_SOURCE_... */
	uint64_t start_ns;              /* CLOCK_MONOTONIC when bucket 0 began (a multiple of
					   step_ns): the clock of the BPF code and of a live
					   run's transitions */
};
#define RECORD_HEADER_BYTES 56

enum { RECORD_SOURCE_TRACEPOINT = 1 };

/* A cgroup's parent in the table when no recorded cgroup holds it. */
#define RECORD_NO_PARENT 0xffffffffu

/* The events of one item in one recorded cgroup (itself and its descendants that no other
 * recorded cgroup holds) during one bucket: [bucket, bucket + 1) x step_ns after the
 * start. A cell without events has no entry. */
struct record_entry {
	uint32_t bucket;
	uint16_t cgroup;                /* index in the table, or RECORD_MARK */
	uint16_t item;                  /* index in the table's items (its enum value) */
	uint64_t count;
};
#define RECORD_ENTRY_BYTES 16

/* An entry with this cgroup is a mark: the recording covers every bucket up to and
 * including `bucket` (item and count 0). One ends each second's writes and the file. */
#define RECORD_MARK 0xffffu

/* Bounds a reader holds a file to (and the writer never exceeds). */
enum {
	RECORD_MAX_TABLE = 16 << 20,    /* table bytes */
	RECORD_MAX_STRING = 65536,      /* one string's length */
	RECORD_MAX_ITEMS = 1024,
	RECORD_MAX_CGROUPS = 4096,
};
#define RECORD_MIN_STEP_NS 1000000ULL           /* 1 ms */
#define RECORD_MAX_STEP_NS 60000000000ULL       /* 60 s */

_Static_assert(sizeof(struct record_header) == RECORD_HEADER_BYTES, "header layout");
_Static_assert(sizeof(struct record_entry) == RECORD_ENTRY_BYTES, "entry layout");

#endif
