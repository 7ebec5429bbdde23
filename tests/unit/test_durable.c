// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_durable.c - durable handles: the record encoding a restarted
 * daemon reopens from (round trip, every truncation and bad field
 * refused), the LMDB record store (put, replace, delete, records kept
 * across a reopen, unparsable ones dropped) and the parsing and
 * validation of the DHnQ/DH2Q/DHnC/DH2C create contexts, and the
 * NETWORK_RESILIENCY_REQUEST of FSCTL_LMR_REQUEST_RESILIENCY.
 */
#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/check_main.h"
#include "userd/smb2_durable.h"
#include "userd/store/durable_db.h"

#define DIR_TEMPLATE "/tmp/dfs-durable-XXXXXX"
/* The record layout (store/durable_db.c): the fixed part, where the lease is */
#define REC_FIXED 152
#define LEASE_AT 96

static char dir[sizeof(DIR_TEMPLATE)];

static void setup(void)
{
	strcpy(dir, DIR_TEMPLATE);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void rm(const char *name)
{
	char path[sizeof(dir) + 32];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

static void teardown(void)
{
	rm("durable.mdb");
	rm("durable.mdb-lock");
	rmdir(dir);
}

static struct dfs_durable_rec mkrec(uint64_t id)
{
	struct dfs_durable_rec r;

	memset(&r, 0, sizeof(r));
	r.persistent_id = id;
	memset(r.create_guid, 0xab, 16);
	memset(r.client_guid, 0xcd, 16);
	r.access = 0x12019f;
	r.share = 0x1;
	r.timeout_ms = 60000;
	r.version = 2;
	r.oplock = 0x09;
	r.disconnected = true;
	r.deadline_wall_ms = 0x0123456789abcdefull;
	r.dev = 0xfd01;
	r.ino = 0x1122334455667788ull;
	r.birth_ns = 0x99aabbccddeeff00ull;
	r.uid = 1000;
	r.gid = 1001;
	r.ngroups = 3;
	r.groups[0] = 4;
	r.groups[1] = 27;
	r.groups[2] = 0xfffffffeu;
	r.encrypt_data = true;
	snprintf(r.user, sizeof(r.user), "alice");
	snprintf(r.domain, sizeof(r.domain), "WORKGROUP");
	snprintf(r.share_name, sizeof(r.share_name), "share");
	snprintf(r.path, sizeof(r.path), "dir/file.txt");
	r.lock_seq[0] = 0x13;
	r.lock_seq[63] = 0x1f;
	r.nlocks = 2;
	r.locks[0].off = 0;
	r.locks[0].len = 10;
	r.locks[0].excl = true;
	r.locks[1].off = ~0ull - 5;
	r.locks[1].len = 5;
	return r;
}

static void assert_same(const struct dfs_durable_rec *a,
			const struct dfs_durable_rec *b)
{
	unsigned i;

	ck_assert_mem_eq(a->create_guid, b->create_guid, 16);
	ck_assert_mem_eq(a->client_guid, b->client_guid, 16);
	ck_assert_uint_eq(a->access, b->access);
	ck_assert_uint_eq(a->share, b->share);
	ck_assert_uint_eq(a->timeout_ms, b->timeout_ms);
	ck_assert_uint_eq(a->version, b->version);
	ck_assert_uint_eq(a->oplock, b->oplock);
	ck_assert(a->disconnected == b->disconnected);
	ck_assert_uint_eq(a->deadline_wall_ms, b->deadline_wall_ms);
	ck_assert_uint_eq(a->dev, b->dev);
	ck_assert_uint_eq(a->ino, b->ino);
	ck_assert_uint_eq(a->birth_ns, b->birth_ns);
	ck_assert_uint_eq(a->uid, b->uid);
	ck_assert_uint_eq(a->gid, b->gid);
	ck_assert_uint_eq(a->ngroups, b->ngroups);
	ck_assert_mem_eq(a->groups, b->groups, a->ngroups * sizeof(a->groups[0]));
	ck_assert(a->guest == b->guest && a->anonymous == b->anonymous &&
		  a->encrypt_data == b->encrypt_data);
	ck_assert_str_eq(a->user, b->user);
	ck_assert_str_eq(a->domain, b->domain);
	ck_assert_str_eq(a->share_name, b->share_name);
	ck_assert_str_eq(a->path, b->path);
	ck_assert_uint_eq(a->lease_version, b->lease_version);
	ck_assert_uint_eq(a->lease_epoch, b->lease_epoch);
	ck_assert_uint_eq(a->lease_state, b->lease_state);
	ck_assert_mem_eq(a->lease_key, b->lease_key, 16);
	ck_assert_mem_eq(a->lease_parent, b->lease_parent, 16);
	ck_assert_mem_eq(a->lease_client_guid, b->lease_client_guid, 16);
	ck_assert_mem_eq(a->lock_seq, b->lock_seq, 64);
	ck_assert_uint_eq(a->nlocks, b->nlocks);
	for (i = 0; i < a->nlocks && i < DFS_DURABLE_REC_LOCKS; i++) {
		ck_assert_uint_eq(a->locks[i].off, b->locks[i].off);
		ck_assert_uint_eq(a->locks[i].len, b->locks[i].len);
		ck_assert(a->locks[i].excl == b->locks[i].excl);
	}
}

START_TEST(test_encode_round_trip)
{
	static uint8_t buf[DFS_DURABLE_REC_MAX];
	static struct dfs_durable_rec a, b;
	size_t n;

	a = mkrec(5);
	n = dfs_durable_rec_encode(&a, buf, sizeof(buf));
	ck_assert_uint_gt(n, REC_FIXED);
	memset(&b, 0x77, sizeof(b));
	ck_assert_int_eq(dfs_durable_rec_decode(buf, n, &b), 0);
	assert_same(&a, &b);
	/* the longest names and path there is room for still fit */
	memset(a.user, 'u', sizeof(a.user) - 1);
	memset(a.domain, 'd', sizeof(a.domain) - 1);
	memset(a.share_name, 's', sizeof(a.share_name) - 1);
	memset(a.path, 'p', sizeof(a.path) - 1);
	a.ngroups = DFS_DURABLE_REC_GROUPS;
	a.nlocks = DFS_DURABLE_REC_LOCKS;
	n = dfs_durable_rec_encode(&a, buf, sizeof(buf));
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_le(n, sizeof(buf));
	ck_assert_int_eq(dfs_durable_rec_decode(buf, n, &b), 0);
	assert_same(&a, &b);
	/* a record that does not fit is refused, not cut */
	ck_assert_uint_eq(dfs_durable_rec_encode(&a, buf, n - 1), 0);
	a.ngroups = DFS_DURABLE_REC_GROUPS + 1;
	ck_assert_uint_eq(dfs_durable_rec_encode(&a, buf, sizeof(buf)), 0);
	/* more locks than are kept: the count says so, no entries follow */
	a = mkrec(5);
	a.nlocks = DFS_DURABLE_REC_LOCKS + 1;
	n = dfs_durable_rec_encode(&a, buf, sizeof(buf));
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(dfs_durable_rec_decode(buf, n, &b), 0);
	ck_assert_uint_eq(b.nlocks, DFS_DURABLE_REC_LOCKS + 1);
}
END_TEST

/* A leased open's record keeps its lease: key, parent, client, epoch, state */
START_TEST(test_lease_round_trip)
{
	static uint8_t buf[DFS_DURABLE_REC_MAX];
	static struct dfs_durable_rec a, b;
	size_t n;
	unsigned i;

	a = mkrec(6);
	a.oplock = 0xff;
	a.lease_version = 2;
	a.lease_epoch = 0xfffe;
	a.lease_state = 0x07;
	for (i = 0; i < 16; i++) {
		a.lease_key[i] = (uint8_t)(0xa0 + i);
		a.lease_parent[i] = (uint8_t)(0x50 + i);
		a.lease_client_guid[i] = (uint8_t)(0xc0 ^ i);
	}
	n = dfs_durable_rec_encode(&a, buf, sizeof(buf));
	ck_assert_uint_gt(n, REC_FIXED);
	memset(&b, 0x77, sizeof(b));
	ck_assert_int_eq(dfs_durable_rec_decode(buf, n, &b), 0);
	assert_same(&a, &b);
	/* a v1 lease in another state */
	a.lease_version = 1;
	a.lease_epoch = 0;
	a.lease_state = 0x03;
	n = dfs_durable_rec_encode(&a, buf, sizeof(buf));
	ck_assert_int_eq(dfs_durable_rec_decode(buf, n, &b), 0);
	assert_same(&a, &b);
	/* an unknown lease version or state bit is not ours */
	buf[LEASE_AT] = 3;
	ck_assert_int_eq(dfs_durable_rec_decode(buf, n, &b), -EINVAL);
	buf[LEASE_AT] = 1;
	buf[LEASE_AT + 4] = 0x08;
	ck_assert_int_eq(dfs_durable_rec_decode(buf, n, &b), -EINVAL);
	buf[LEASE_AT + 4] = 0x03;
	ck_assert_int_eq(dfs_durable_rec_decode(buf, n, &b), 0);
	assert_same(&a, &b);
}
END_TEST

/* Every cut of a valid record, and bad fields, are refused before use */
START_TEST(test_decode_refuses_bad)
{
	static uint8_t buf[DFS_DURABLE_REC_MAX];
	static struct dfs_durable_rec a, b;
	size_t n, i;

	a = mkrec(5);
	n = dfs_durable_rec_encode(&a, buf, sizeof(buf));
	for (i = 0; i < n; i++)
		ck_assert_int_eq(dfs_durable_rec_decode(buf, i, &b), -EINVAL);
	/* trailing bytes mean it is not what we wrote */
	ck_assert_int_eq(dfs_durable_rec_decode(buf, n + 1, &b), -EINVAL);
	/*
	 * format 1 (before restarts kept opens), 2 (before leases were kept)
	 * and unknown durable versions
	 */
	buf[0] = 1;
	ck_assert_int_eq(dfs_durable_rec_decode(buf, n, &b), -EINVAL);
	buf[0] = 2;
	ck_assert_int_eq(dfs_durable_rec_decode(buf, n, &b), -EINVAL);
	buf[0] = 3;
	buf[2] = 3;
	ck_assert_int_eq(dfs_durable_rec_decode(buf, n, &b), -EINVAL);
	buf[2] = 2;
	/* more groups than a session holds */
	buf[80] = DFS_DURABLE_REC_GROUPS + 1;
	ck_assert_int_eq(dfs_durable_rec_decode(buf, n, &b), -EINVAL);
	buf[80] = 3;
	/* a user name length that runs past the end */
	buf[REC_FIXED + 12] = 0xff;
	ck_assert_int_eq(dfs_durable_rec_decode(buf, n, &b), -EINVAL);
	buf[REC_FIXED + 12] = 5;
	/* a NUL inside a name would cut it short */
	buf[REC_FIXED + 12 + 1 + 2] = 0;
	ck_assert_int_eq(dfs_durable_rec_decode(buf, n, &b), -EINVAL);
	buf[REC_FIXED + 12 + 1 + 2] = 'i';
	/* a lock's exclusive flag is 0 or 1; the last byte is the last lock's */
	buf[n - 1] = 2;
	ck_assert_int_eq(dfs_durable_rec_decode(buf, n, &b), -EINVAL);
	buf[n - 1] = 0;
	/* a lock count past the entries there are */
	buf[n - 2 * 17 - 2] = 3;
	ck_assert_int_eq(dfs_durable_rec_decode(buf, n, &b), -EINVAL);
	buf[n - 2 * 17 - 2] = 2;
	ck_assert_int_eq(dfs_durable_rec_decode(buf, n, &b), 0);
	assert_same(&a, &b);
}
END_TEST

START_TEST(test_put_del_count)
{
	struct dfs_durable_db *db = NULL;
	struct dfs_durable_rec a = mkrec(0x100000001ull), b = mkrec(7);

	ck_assert_int_eq(dfs_durable_db_open(dir, &db), 0);
	ck_assert_int_eq(dfs_durable_db_count(db), 0);
	ck_assert_int_eq(dfs_durable_db_put(db, &a), 0);
	ck_assert_int_eq(dfs_durable_db_put(db, &b), 0);
	/* replacing a record keeps one per FileId */
	a.disconnected = false;
	ck_assert_int_eq(dfs_durable_db_put(db, &a), 0);
	ck_assert_int_eq(dfs_durable_db_count(db), 2);
	ck_assert_int_eq(dfs_durable_db_del(db, 7), 0);
	ck_assert_int_eq(dfs_durable_db_del(db, 7), -ENOENT);
	ck_assert_int_eq(dfs_durable_db_count(db), 1);
	dfs_durable_db_close(db);
}
END_TEST

/* Put a value the current format cannot parse under key id */
static void put_raw(uint64_t id, const void *val, size_t len)
{
	char path[sizeof(dir) + 32];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	uint8_t k[8];
	MDB_val key = { sizeof(k), k }, v = { len, (void *)val };
	int i;

	for (i = 0; i < 8; i++)
		k[i] = (uint8_t)(id >> (8 * i));
	snprintf(path, sizeof(path), "%s/durable.mdb", dir);
	ck_assert_int_eq(mdb_env_create(&env), 0);
	ck_assert_int_eq(mdb_env_set_maxdbs(env, 1), 0);
	ck_assert_int_eq(mdb_env_open(env, path, MDB_NOSUBDIR, 0600), 0);
	ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	ck_assert_int_eq(mdb_dbi_open(txn, "durable", MDB_CREATE, &dbi), 0);
	ck_assert_int_eq(mdb_put(txn, dbi, &key, &v, 0), 0);
	ck_assert_int_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

/*
 * A restarted daemon finds the records its predecessor wrote, as written;
 * records it cannot parse (format 1, damage) are deleted and counted.
 */
START_TEST(test_records_survive_reopen)
{
	static const uint8_t v1[] = { 1, 0, 1, 0 };
	struct dfs_durable_db *db = NULL;
	struct dfs_durable_rec r, *recs;
	size_t n, i;
	unsigned bad;

	ck_assert_int_eq(dfs_durable_db_open(dir, &db), 0);
	for (i = 1; i <= 3; i++) {
		r = mkrec(i << 32 | i);
		r.ino = i;
		ck_assert_int_eq(dfs_durable_db_put(db, &r), 0);
	}
	dfs_durable_db_close(db);
	put_raw(99, v1, sizeof(v1));
	ck_assert_int_eq(dfs_durable_db_open(dir, &db), 0);
	ck_assert_int_eq(dfs_durable_db_load(db, &recs, &n, &bad), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(bad, 1);
	for (i = 0; i < n; i++) {
		r = mkrec(recs[i].persistent_id);
		r.ino = recs[i].persistent_id & 0xffffffffu;
		assert_same(&r, &recs[i]);
		ck_assert_uint_eq(recs[i].persistent_id >> 32, recs[i].ino);
	}
	free(recs);
	/* the bad one is gone, the good ones stay until deleted */
	ck_assert_int_eq(dfs_durable_db_count(db), 3);
	dfs_durable_db_close(db);
}
END_TEST

START_TEST(test_contexts)
{
	struct dfs_durable_req d;
	u8 data[36];
	u32 st;

	memset(&d, 0, sizeof(d));
	memset(data, 0, sizeof(data));
	/* not ours */
	ck_assert(!dfs_durable_context(&d, (const u8 *)"MxAc", data, 0, &st));
	/* DH2Q: Timeout, Flags, Reserved, CreateGuid */
	dfs_put_le32(data, 1234);
	dfs_put_le32(data + 4, 2);	/* persistent */
	memset(data + 16, 0x5a, 16);
	ck_assert(dfs_durable_context(&d, (const u8 *)"DH2Q", data, 32, &st));
	ck_assert_uint_eq(st, STATUS_SUCCESS);
	ck_assert(d.v2_req && d.persistent);
	ck_assert_uint_eq(d.timeout, 1234);
	ck_assert_uint_eq(d.create_guid[15], 0x5a);
	ck_assert_uint_eq(dfs_durable_validate(&d), STATUS_SUCCESS);
	/* short data is refused before it is read */
	memset(&d, 0, sizeof(d));
	ck_assert(dfs_durable_context(&d, (const u8 *)"DH2Q", data, 31, &st));
	ck_assert_uint_eq(st, STATUS_INVALID_PARAMETER);
	ck_assert(dfs_durable_context(&d, (const u8 *)"DH2C", data, 35, &st));
	ck_assert_uint_eq(st, STATUS_INVALID_PARAMETER);
	ck_assert(dfs_durable_context(&d, (const u8 *)"DHnC", data, 15, &st));
	ck_assert_uint_eq(st, STATUS_INVALID_PARAMETER);
}
END_TEST

/* MS-SMB2 3.3.5.9.12, as smbtorture durable-v2-open.create-blob checks */
START_TEST(test_invalid_combinations)
{
	struct dfs_durable_req d;

	memset(&d, 0, sizeof(d));
	d.v2_reconn = d.v1_req = true;
	ck_assert_uint_eq(dfs_durable_validate(&d), STATUS_INVALID_PARAMETER);
	memset(&d, 0, sizeof(d));
	d.v1_reconn = d.v2_req = true;
	ck_assert_uint_eq(dfs_durable_validate(&d), STATUS_INVALID_PARAMETER);
	memset(&d, 0, sizeof(d));
	d.v1_reconn = d.v2_reconn = true;
	ck_assert_uint_eq(dfs_durable_validate(&d), STATUS_INVALID_PARAMETER);
	memset(&d, 0, sizeof(d));
	d.v2_reconn = d.v2_req = true;
	ck_assert_uint_eq(dfs_durable_validate(&d), STATUS_INVALID_PARAMETER);
	/* a v1 request beside a v1 reconnect is ignored (3.3.5.9.7) */
	memset(&d, 0, sizeof(d));
	d.v1_reconn = d.v1_req = true;
	ck_assert_uint_eq(dfs_durable_validate(&d), STATUS_SUCCESS);
}
END_TEST

/* NETWORK_RESILIENCY_REQUEST (MS-SMB2 2.2.31.3, 3.3.5.15.9) */
START_TEST(test_resiliency_request)
{
	u8 in[16];
	u32 t = 7, i;

	memset(in, 0, sizeof(in));
	dfs_put_le32(in, 10000);
	ck_assert_uint_eq(dfs_resiliency_parse(in, 8, 60000, &t), STATUS_SUCCESS);
	ck_assert_uint_eq(t, 10000);
	/* trailing bytes are the client's business */
	ck_assert_uint_eq(dfs_resiliency_parse(in, 16, 60000, &t), STATUS_SUCCESS);
	ck_assert_uint_eq(t, 10000);
	/* every length short of Timeout and Reserved is refused, t untouched */
	for (i = 0; i < 8; i++) {
		t = 7;
		ck_assert_uint_eq(dfs_resiliency_parse(in, i, 60000, &t),
				  STATUS_INVALID_PARAMETER);
		ck_assert_uint_eq(t, 7);
	}
	ck_assert_uint_eq(dfs_resiliency_parse(NULL, 8, 60000, &t),
			  STATUS_INVALID_PARAMETER);
	/* 0 is the server's choice, itself within the server's limit */
	dfs_put_le32(in, 0);
	ck_assert_uint_eq(dfs_resiliency_parse(in, 8, 60000, &t), STATUS_SUCCESS);
	ck_assert_uint_eq(t, 60000);
	ck_assert_uint_eq(dfs_resiliency_parse(in, 8, 3600000, &t), STATUS_SUCCESS);
	ck_assert_uint_eq(t, 300000);
	/* the limit itself is granted, a millisecond more refused */
	dfs_put_le32(in, 300000);
	ck_assert_uint_eq(dfs_resiliency_parse(in, 8, 60000, &t), STATUS_SUCCESS);
	ck_assert_uint_eq(t, 300000);
	dfs_put_le32(in, 300001);
	ck_assert_uint_eq(dfs_resiliency_parse(in, 8, 60000, &t),
			  STATUS_INVALID_PARAMETER);
	dfs_put_le32(in, 0xffffffffu);
	ck_assert_uint_eq(dfs_resiliency_parse(in, 8, 60000, &t),
			  STATUS_INVALID_PARAMETER);
}
END_TEST

static Suite *durable_suite(void)
{
	Suite *s = suite_create("durable");
	TCase *db = tcase_create("lmdb");
	TCase *ctx = tcase_create("contexts");

	tcase_add_checked_fixture(db, setup, teardown);
	tcase_add_test(db, test_put_del_count);
	tcase_add_test(db, test_records_survive_reopen);
	tcase_add_test(ctx, test_encode_round_trip);
	tcase_add_test(ctx, test_lease_round_trip);
	tcase_add_test(ctx, test_decode_refuses_bad);
	tcase_add_test(ctx, test_contexts);
	tcase_add_test(ctx, test_invalid_combinations);
	tcase_add_test(ctx, test_resiliency_request);
	suite_add_tcase(s, db);
	suite_add_tcase(s, ctx);
	return s;
}

DFS_CHECK_MAIN(durable_suite)
