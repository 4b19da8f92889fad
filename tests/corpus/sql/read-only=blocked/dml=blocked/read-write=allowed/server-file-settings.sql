# SHOW of a setting that names a server file (like SHOW data_directory).
SHOW promote_trigger_file
show promote_trigger_file
SHOW "promote_trigger_file"
SHOW PROMOTE_TRIGGER_FILE
SELECT 1; SHOW promote_trigger_file
