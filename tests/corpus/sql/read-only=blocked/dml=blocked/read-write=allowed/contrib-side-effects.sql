# Side-effect functions of PostgreSQL 15 and its contrib extensions that a READ
# ONLY transaction does not stop, beyond side-effect-functions.sql. Families as in
# tests/corpus/volatile/classified.txt.
# heap-surgery (pg_surgery): kills or freezes a row for good.
SELECT heap_force_kill('t'::regclass, ARRAY['(0,1)']::tid[])
SELECT heap_force_freeze('t'::regclass, ARRAY['(0,1)']::tid[])
SELECT public.heap_force_kill('users', ARRAY['(0,1)'::tid])
SELECT heap_force_kill(c.oid, ARRAY['(0,1)']::tid[]) FROM pg_class c WHERE c.relname = 't'
SELECT * FROM heap_force_freeze('t', ARRAY['(0,1)', '(0,2)']::tid[])
SELECT "heap_force_kill"('t', '{"(0,1)"}')
# buffer-cache and data-directory-write (pg_prewarm).
SELECT pg_prewarm('users')
SELECT pg_prewarm('users', 'buffer', 'main', 0, 0)
SELECT public.pg_prewarm('orders'::regclass, 'read')
SELECT pg_prewarm(oid) FROM pg_class WHERE relname = 'users'
SELECT autoprewarm_dump_now()
SELECT autoprewarm_start_worker()
SELECT * FROM autoprewarm_dump_now()
# server-files: the *_old compatibility variants and other file readers.
SELECT pg_read_file_old('postgresql.conf', 0, 100)
SELECT pg_catalog.pg_read_file_old('pg_hba.conf', 0, 10000)
SELECT current_logfile FROM pg_current_logfile() AS current_logfile
SELECT pg_current_logfile()
SELECT pg_current_logfile('stderr')
SELECT * FROM pg_hba_file_rules()
SELECT * FROM pg_ident_file_mappings()
SELECT * FROM pg_show_all_file_settings()
SELECT * FROM pg_get_wal_records_info('0/1000000', '0/2000000')
SELECT * FROM pg_get_wal_record_info('0/1000000')
SELECT * FROM pg_get_wal_stats('0/1000000', '0/2000000')
SELECT * FROM pg_get_wal_records_info_till_end_of_wal('0/1000000')
SELECT * FROM pg_get_wal_stats_till_end_of_wal('0/1000000')
# server-control.
SELECT pg_rotate_logfile_old()
SELECT pg_catalog.pg_rotate_logfile_old()
# settings: pg_trgm's set_limit sets pg_trgm.similarity_threshold.
SELECT set_limit(0.1)
SELECT public.set_limit(0.9)
# table-lock: amcheck's parent check takes a ShareLock on the table.
SELECT bt_index_parent_check('users_pkey')
SELECT bt_index_parent_check('users_pkey', true)
# remote-execution: postgres_fdw closes connections to remote servers.
SELECT postgres_fdw_disconnect_all()
SELECT postgres_fdw_disconnect('s')
# catalog-write: functions for initdb, pg_upgrade and extension scripts.
SELECT pg_nextoid('pg_class', 'oid', 'pg_class_oid_index')
SELECT pg_extension_config_dump('t', '')
SELECT pg_stop_making_pinned_objects()
SELECT binary_upgrade_set_next_pg_type_oid(99999)
SELECT binary_upgrade_create_empty_extension('x', 'public', true, '1.0', NULL, NULL, ARRAY[]::text[])
# trigger-only: trigger functions, refused outside a trigger, write when fired.
SELECT suppress_redundant_updates_trigger()
SELECT tsvector_update_trigger()
SELECT lo_manage()
