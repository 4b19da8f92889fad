# UPDATE of pg_settings is SET by another name (its rule calls set_config):
# blocked wherever SET is, in every spelling. Each case was run on PostgreSQL 15
# inside BEGIN ... ROLLBACK and changed the setting.
UPDATE pg_settings SET setting = '4242' WHERE name = 'statement_timeout'
UPDATE pg_catalog.pg_settings SET setting = '4242' WHERE name = 'statement_timeout'
UPDATE pg_settings AS s SET setting = '4242' WHERE s.name = 'statement_timeout'
UPDATE pg_settings s SET setting = '4242' WHERE s.name = 'statement_timeout'
UPDATE pg_catalog.pg_settings ps SET setting = '4242' WHERE ps.name = 'statement_timeout'
UPDATE "pg_settings" SET setting = '4242' WHERE name = 'statement_timeout'
UPDATE "pg_catalog"."pg_settings" SET "setting" = '4242' WHERE "name" = 'statement_timeout'
UPDATE pg_catalog."pg_settings" SET setting = '4242' WHERE name = 'statement_timeout'
UPDATE PG_SETTINGS SET SETTING = '4242' WHERE NAME = 'statement_timeout'
update Pg_Settings set setting = '4242' where name = 'statement_timeout'
UPDATE U&"pg\005fsettings" SET setting = '4242' WHERE name = 'statement_timeout'
UPDATE pg_catalog.U&"pg_s\0065ttings" SET setting = '4242' WHERE name = 'statement_timeout'
UPDATE ONLY pg_settings SET setting = '4242' WHERE name = 'statement_timeout'
UPDATE ONLY pg_catalog.pg_settings AS x SET setting = '4242' WHERE x.name = 'statement_timeout'
UPDATE pg_settings SET setting = 'off' WHERE name = 'default_transaction_read_only'
UPDATE pg_settings SET setting = 'evil, public' WHERE name = 'search_path'
UPDATE pg_settings SET setting = '4242' WHERE name = 'statement_timeout' AND setting <> '4242'
UPDATE pg_settings SET setting = '4242' WHERE name IN ('statement_timeout', 'lock_timeout')
UPDATE pg_settings SET setting = '4242' WHERE name = (SELECT 'statement_timeout')
UPDATE pg_settings SET setting = '4242' WHERE name LIKE 'statement\_timeout'
UPDATE pg_settings SET setting = reset_val WHERE name = 'statement_timeout'
UPDATE pg_settings SET (setting) = ROW('4242') WHERE name = 'statement_timeout'
UPDATE pg_settings SET setting = v.s FROM (VALUES ('statement_timeout', '4242')) AS v(n, s) WHERE name = v.n
/* c */ UPDATE /* c */ pg_settings /* c */ SET setting = '4242' WHERE name = 'statement_timeout'
UPDATE/**/pg_settings/**/SET/**/setting='4242'/**/WHERE/**/name='statement_timeout'
UPDATE pg_settings SET setting = '4242' WHERE name = 'statement_timeout';
<<<
-- a leading comment
UPDATE pg_settings
   SET setting = '4242'
 WHERE name = 'statement_timeout'
>>>
SELECT 1; UPDATE pg_settings SET setting = '4242' WHERE name = 'statement_timeout'
UPDATE t SET a = 1 WHERE b = 2; UPDATE pg_settings SET setting = '4242' WHERE name = 'statement_timeout'
WITH x AS (SELECT 'statement_timeout' AS n) UPDATE pg_settings SET setting = '4242' FROM x WHERE name = x.n
EXPLAIN ANALYZE UPDATE pg_settings SET setting = '4242' WHERE name = 'statement_timeout'
EXPLAIN (ANALYZE false, ANALYZE true) UPDATE pg_settings SET setting = '4242' WHERE name = 'statement_timeout'
