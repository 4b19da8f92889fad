# Counterparts of options-drop.sql: OPTIONS that only ADD or SET are schema
# changes a read-write connection allows without --confirm.
ALTER SERVER s OPTIONS (ADD fetch_size '100')
ALTER SERVER s OPTIONS (SET host 'db.internal')
ALTER SERVER s OPTIONS (fetch_size '100')
ALTER SERVER s OPTIONS (SET port '5433', ADD fetch_size '50')
ALTER USER MAPPING FOR bob SERVER s OPTIONS (SET password 'new')
ALTER USER MAPPING FOR CURRENT_USER SERVER s OPTIONS (SET user 'x')
ALTER USER MAPPING FOR PUBLIC SERVER s OPTIONS (ADD password 'p')
ALTER FOREIGN TABLE ft OPTIONS (SET table_name 'z')
ALTER FOREIGN TABLE ft OPTIONS (ADD updatable 'false')
ALTER FOREIGN TABLE ft ALTER COLUMN id OPTIONS (SET column_name 'd')
ALTER FOREIGN DATA WRAPPER w OPTIONS (SET debug 'false')
ALTER FOREIGN DATA WRAPPER w OPTIONS (ADD "drop" 'x')
