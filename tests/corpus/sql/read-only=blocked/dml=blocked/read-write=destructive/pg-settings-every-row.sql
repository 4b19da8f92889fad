# UPDATE of pg_settings with no filter: SET by another name (blocked where SET
# is) on every setting at once (destructive where UPDATE without WHERE is).
UPDATE pg_settings SET setting = reset_val
UPDATE pg_catalog.pg_settings s SET setting = s.boot_val
UPDATE pg_settings SET setting = reset_val WHERE true
UPDATE "pg_settings" SET setting = reset_val WHERE 1 = 1 OR name = 'statement_timeout'
