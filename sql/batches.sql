-- Plans longer than one batch: run.c reads the SQL, message and checksum of
-- 1,000 steps at a time and writes the bookkeeping every 1,000 steps.
-- Every step must run its own SQL, report its own message and log its own
-- checksum across the batch boundaries, in one transaction and stepwise.
CREATE EXTENSION schemaver;
SET client_min_messages = warning;
CREATE SCHEMA bt;
CREATE TABLE bt.events (seq bigint GENERATED ALWAYS AS IDENTITY, rev int NOT NULL, op text NOT NULL);
CREATE FUNCTION bt.id(i int) RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT 'b' || lpad(i::text, 4, '0') $$;

-- A chain of 2,500 revisions; each records its number when it runs.
SELECT count(*) AS registered FROM (
  SELECT schemaver_add_revision(bt.id(i), CASE WHEN i > 1 THEN bt.id(i - 1) END,
           format('INSERT INTO bt.events (rev, op) VALUES (%s, %L)', i, 'up'),
           format('INSERT INTO bt.events (rev, op) VALUES (%s, %L)', i, 'down'),
           format('message %s', i))
    FROM generate_series(1, 2500) AS i) s;

-- Up in one transaction: three batches of texts, three log flushes.  The
-- result rows, the revisions that ran, and the log all follow the chain.
CREATE TABLE bt.steps AS
  SELECT row_number() OVER () AS n, s.* FROM schemaver_upgrade('head') AS s;
SELECT count(*) AS steps,
       count(*) FILTER (WHERE revision = bt.id(n::int)
                          AND message = format('message %s', n)
                          AND operation = 'upgrade') AS in_order
  FROM bt.steps;
SELECT count(*) AS ran, count(*) FILTER (WHERE rev = seq AND op = 'up') AS in_order
  FROM bt.events;
SELECT count(*) AS logged,
       count(*) FILTER (WHERE l.checksum = r.checksum) AS own_checksum,
       count(*) FILTER (WHERE l.revision = bt.id(l.n::int)) AS in_order
  FROM (SELECT row_number() OVER (ORDER BY id) AS n, * FROM schemaver.log) l
  JOIN schemaver.revision r ON r.revision = l.revision;
SELECT * FROM schemaver_current();
SELECT count(*) AS applied FROM schemaver.applied;

-- Down to base in one transaction: the downgrade SQL, newest first.
TRUNCATE bt.events RESTART IDENTITY;
SELECT count(*) AS steps FROM schemaver_downgrade('base');
SELECT count(*) AS ran, count(*) FILTER (WHERE rev = 2501 - seq AND op = 'down') AS in_order
  FROM bt.events;
SELECT count(*) AS current_rows FROM schemaver_current();
SELECT count(*) AS applied FROM schemaver.applied;

-- Stepwise, 1,200 steps (one commit each, a batch boundary on the way).
TRUNCATE bt.events RESTART IDENTITY;
CALL schemaver_upgrade_stepwise('b1200');
SELECT count(*) AS ran, count(*) FILTER (WHERE rev = seq AND op = 'up') AS in_order
  FROM bt.events;
SELECT * FROM schemaver_current();
SELECT count(*) AS logged_up_to_b1200,
       count(*) FILTER (WHERE l.checksum = r.checksum) AS own_checksum
  FROM schemaver.log l JOIN schemaver.revision r ON r.revision = l.revision
 WHERE l.operation = 'upgrade' AND l.id > (SELECT max(id) FROM schemaver.log WHERE operation = 'downgrade');

SELECT count(*) FROM schemaver_downgrade('base');
DROP EXTENSION schemaver;
DROP SCHEMA bt CASCADE;
