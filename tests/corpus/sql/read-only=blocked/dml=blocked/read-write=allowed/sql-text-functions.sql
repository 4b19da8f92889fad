# Functions that run SQL handed to them as text (or splice a name into SQL they
# run): whatever the text calls runs too, even in a READ ONLY transaction and even
# though crosstab, connectby and xpath_table are declared STABLE. Blocked in
# read-only and dml modes; a read-write connection allows them like any function.
# tablefunc: crosstab and its fixed-width variants.
SELECT * FROM crosstab('SELECT 1::text, 1::text, 1::text') AS ct(row_name text, c1 text)
SELECT * FROM crosstab('SELECT 1::text, 1::text, dblink_exec(''dbname=app'', ''DROP TABLE t'')') AS ct(row_name text, c1 text)
SELECT * FROM crosstab('SELECT name, status, pg_cancel_backend(1234)::text FROM users') AS ct(name text, s1 text)
SELECT * FROM crosstab('SELECT 1::text, 1::text, pg_sleep(100)::text') AS ct(a text, b text)
SELECT * FROM crosstab('SELECT a::text, b::text, c FROM t ORDER BY 1', 'SELECT DISTINCT b::text FROM t ORDER BY 1') AS ct(a text, x text, y text)
SELECT * FROM crosstab('SELECT a::text, b::text, c FROM t ORDER BY 1', 2) AS ct(a text, x text, y text)
SELECT * FROM crosstab2('SELECT c, b::text, c FROM t ORDER BY 1')
SELECT * FROM crosstab3('SELECT c, b::text, c FROM t ORDER BY 1')
SELECT * FROM crosstab4('SELECT c, b::text, pg_advisory_lock(1)::text FROM t ORDER BY 1')
SELECT * FROM public.crosstab('SELECT 1::text, 1::text, 1::text') AS ct(row_name text, c1 text)
SELECT * FROM "crosstab"('SELECT 1::text, 1::text, 1::text') AS ct(row_name text, c1 text)
SELECT * FROM CROSSTAB('SELECT 1::text, 1::text, 1::text') AS ct(row_name text, c1 text)
SELECT * FROM U&"cr\006fsstab"('SELECT 1::text, 1::text, 1::text') AS ct(row_name text, c1 text)
SELECT * FROM crosstab($q$SELECT 1::text, 1::text, pg_terminate_backend(1234)::text$q$) AS ct(a text, b text)
SELECT * FROM crosstab(E'SELECT 1::text, 1::text, lo_unlink(16385)::text') AS ct(a text, b text)
SELECT * FROM crosstab(format('SELECT %L::text, 1::text, 1::text', 'x')) AS ct(a text, b text)
SELECT count(*) FROM (SELECT * FROM crosstab('SELECT 1::text, 1::text, 1::text') AS ct(a text, b text)) s
WITH x AS (SELECT * FROM crosstab('SELECT 1::text, 1::text, 1::text') AS ct(a text, b text)) SELECT * FROM x
SELECT u.id FROM users u, LATERAL crosstab('SELECT 1::text, 1::text, 1::text') AS ct(a text, b text)
SELECT id FROM users WHERE EXISTS (SELECT 1 FROM crosstab('SELECT 1::text, 1::text, 1::text') AS ct(a text, b text))
# tablefunc: connectby runs a query on its table-name argument, spliced in as is.
SELECT * FROM connectby('t', 'a', 'b', '1', 0) AS c(a int, b int, lvl int)
SELECT * FROM connectby('t', 'a', 'b', '1', 0, '~') AS c(a int, b int, lvl int, branch text)
SELECT * FROM connectby('t', 'a', 'b', 'c', '1', 0) AS c(a int, b int, lvl int, pos int)
SELECT * FROM connectby('t', 'a', 'b', 'c', '1', 0, '~') AS c(a int, b int, lvl int, branch text, pos int)
SELECT * FROM connectby('(SELECT * FROM t WHERE pg_advisory_lock(9) IS NOT NULL) x', 'a', 'b', '1', 0) AS c(a int, b int, lvl int)
SELECT * FROM connectby('(SELECT a, b FROM t, dblink_exec(''dbname=app'', ''DROP TABLE t'') d) x', 'a', 'b', '1', 0) AS c(a int, b int, lvl int)
SELECT * FROM public.connectby('t', 'a', 'b', '1', 0) AS c(a int, b int, lvl int)
SELECT * FROM CONNECTBY('t', 'a', 'b', '1', 0) AS c(a int, b int, lvl int)
# xml2: xpath_table runs a query built from its arguments.
SELECT * FROM xpath_table('a', 'c', 't', '/x', 'true') AS x(a int, v text)
SELECT * FROM xpath_table('a', 'c', 't', '/x', 'pg_sleep(100) IS NOT NULL') AS x(a int, v text)
SELECT * FROM xpath_table('a', 'c', 't', '/x', 'dblink_exec(''dbname=app'', ''DROP TABLE t'') IS NOT NULL') AS x(a int, v text)
SELECT * FROM xpath_table('a', 'c', '(SELECT * FROM t WHERE pg_advisory_lock(10) IS NOT NULL) x', '/x', 'true') AS x(a int, v text)
SELECT * FROM public.xpath_table('a', 'c', 't', '/x|/y', 'a > 1') AS x(a int, v text, w text)
# query_to_xml and friends (SQL given as text).
SELECT query_to_xml('SELECT 1 AS one', true, true, '')
SELECT query_to_xml('SELECT pg_cancel_backend(1234)', true, true, '')
SELECT * FROM query_to_xml('SELECT dblink_exec(''dbname=app'', ''DROP TABLE t'')', false, false, '')
SELECT query_to_xmlschema('SELECT pg_sleep(100)', true, true, '')
SELECT query_to_xml_and_xmlschema('SELECT 1', true, true, '')
SELECT pg_catalog.query_to_xml('SELECT 1', true, true, '')
# ts_stat and the two-argument ts_rewrite run their query argument.
SELECT * FROM ts_stat('SELECT tsv FROM documents')
SELECT * FROM ts_stat('SELECT tsv FROM documents', 'ab')
SELECT * FROM ts_stat('SELECT to_tsvector(pg_sleep(100)::text)')
SELECT word FROM pg_catalog.ts_stat('SELECT tsv FROM documents') ORDER BY ndoc DESC LIMIT 5
SELECT ts_rewrite('a'::tsquery, 'SELECT ''a''::tsquery, ''b''::tsquery')
SELECT ts_rewrite(to_tsquery('simple', 'a'), 'SELECT t, s FROM aliases')
SELECT ts_rewrite('a'::tsquery, 'SELECT ''a''::tsquery, to_tsquery(pg_sleep(100)::text)')
SELECT pg_catalog.ts_rewrite(tsquery 'a', 'SELECT t, s FROM aliases')
