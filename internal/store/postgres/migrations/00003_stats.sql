-- +goose Up
-- Roll-ups of executions in UTC hours and days (berth.Rollup), kept up to
-- date inside AppendExecutions' transaction: per function (stats_hourly,
-- stats_daily, which also carry the owner's id) and per owner
-- (stats_owner_hourly, stats_owner_daily), so that an owner's series reads
-- one row per bucket however many functions it has. bucket is the bucket's
-- start in Unix microseconds, like every time in this database. hNN counts
-- the durations that fall in histogram bin NN (berth.DurationBin: bin 0 is
-- [0, 100 µs), each next bound is 2^(1/4) higher, bin 87 is everything from
-- 296.6 s); NULL means 0, so that the many empty bins of a row cost no space.
CREATE TABLE stats_hourly (
    function_id     TEXT NOT NULL,
    owner_id        TEXT NOT NULL,
    bucket          BIGINT NOT NULL, -- the bucket's start, Unix microseconds
    invocations     BIGINT NOT NULL,
    errors          BIGINT NOT NULL, -- status <> 'success'
    timeouts        BIGINT NOT NULL,
    cold_starts     BIGINT NOT NULL,
    duration_us_sum BIGINT NOT NULL,
    duration_us_max BIGINT NOT NULL,
    bytes_in        BIGINT NOT NULL,
    bytes_out       BIGINT NOT NULL,
    h00 BIGINT, h01 BIGINT, h02 BIGINT, h03 BIGINT, h04 BIGINT, h05 BIGINT, h06 BIGINT, h07 BIGINT,
    h08 BIGINT, h09 BIGINT, h10 BIGINT, h11 BIGINT, h12 BIGINT, h13 BIGINT, h14 BIGINT, h15 BIGINT,
    h16 BIGINT, h17 BIGINT, h18 BIGINT, h19 BIGINT, h20 BIGINT, h21 BIGINT, h22 BIGINT, h23 BIGINT,
    h24 BIGINT, h25 BIGINT, h26 BIGINT, h27 BIGINT, h28 BIGINT, h29 BIGINT, h30 BIGINT, h31 BIGINT,
    h32 BIGINT, h33 BIGINT, h34 BIGINT, h35 BIGINT, h36 BIGINT, h37 BIGINT, h38 BIGINT, h39 BIGINT,
    h40 BIGINT, h41 BIGINT, h42 BIGINT, h43 BIGINT, h44 BIGINT, h45 BIGINT, h46 BIGINT, h47 BIGINT,
    h48 BIGINT, h49 BIGINT, h50 BIGINT, h51 BIGINT, h52 BIGINT, h53 BIGINT, h54 BIGINT, h55 BIGINT,
    h56 BIGINT, h57 BIGINT, h58 BIGINT, h59 BIGINT, h60 BIGINT, h61 BIGINT, h62 BIGINT, h63 BIGINT,
    h64 BIGINT, h65 BIGINT, h66 BIGINT, h67 BIGINT, h68 BIGINT, h69 BIGINT, h70 BIGINT, h71 BIGINT,
    h72 BIGINT, h73 BIGINT, h74 BIGINT, h75 BIGINT, h76 BIGINT, h77 BIGINT, h78 BIGINT, h79 BIGINT,
    h80 BIGINT, h81 BIGINT, h82 BIGINT, h83 BIGINT, h84 BIGINT, h85 BIGINT, h86 BIGINT, h87 BIGINT,
    PRIMARY KEY (function_id, bucket)
);
CREATE INDEX stats_hourly_owner ON stats_hourly (owner_id, bucket);
CREATE INDEX stats_hourly_bucket ON stats_hourly (bucket);

CREATE TABLE stats_daily (
    function_id     TEXT NOT NULL,
    owner_id        TEXT NOT NULL,
    bucket          BIGINT NOT NULL, -- the bucket's start, Unix microseconds
    invocations     BIGINT NOT NULL,
    errors          BIGINT NOT NULL, -- status <> 'success'
    timeouts        BIGINT NOT NULL,
    cold_starts     BIGINT NOT NULL,
    duration_us_sum BIGINT NOT NULL,
    duration_us_max BIGINT NOT NULL,
    bytes_in        BIGINT NOT NULL,
    bytes_out       BIGINT NOT NULL,
    h00 BIGINT, h01 BIGINT, h02 BIGINT, h03 BIGINT, h04 BIGINT, h05 BIGINT, h06 BIGINT, h07 BIGINT,
    h08 BIGINT, h09 BIGINT, h10 BIGINT, h11 BIGINT, h12 BIGINT, h13 BIGINT, h14 BIGINT, h15 BIGINT,
    h16 BIGINT, h17 BIGINT, h18 BIGINT, h19 BIGINT, h20 BIGINT, h21 BIGINT, h22 BIGINT, h23 BIGINT,
    h24 BIGINT, h25 BIGINT, h26 BIGINT, h27 BIGINT, h28 BIGINT, h29 BIGINT, h30 BIGINT, h31 BIGINT,
    h32 BIGINT, h33 BIGINT, h34 BIGINT, h35 BIGINT, h36 BIGINT, h37 BIGINT, h38 BIGINT, h39 BIGINT,
    h40 BIGINT, h41 BIGINT, h42 BIGINT, h43 BIGINT, h44 BIGINT, h45 BIGINT, h46 BIGINT, h47 BIGINT,
    h48 BIGINT, h49 BIGINT, h50 BIGINT, h51 BIGINT, h52 BIGINT, h53 BIGINT, h54 BIGINT, h55 BIGINT,
    h56 BIGINT, h57 BIGINT, h58 BIGINT, h59 BIGINT, h60 BIGINT, h61 BIGINT, h62 BIGINT, h63 BIGINT,
    h64 BIGINT, h65 BIGINT, h66 BIGINT, h67 BIGINT, h68 BIGINT, h69 BIGINT, h70 BIGINT, h71 BIGINT,
    h72 BIGINT, h73 BIGINT, h74 BIGINT, h75 BIGINT, h76 BIGINT, h77 BIGINT, h78 BIGINT, h79 BIGINT,
    h80 BIGINT, h81 BIGINT, h82 BIGINT, h83 BIGINT, h84 BIGINT, h85 BIGINT, h86 BIGINT, h87 BIGINT,
    PRIMARY KEY (function_id, bucket)
);
CREATE INDEX stats_daily_owner ON stats_daily (owner_id, bucket);
CREATE INDEX stats_daily_bucket ON stats_daily (bucket);

CREATE TABLE stats_owner_hourly (
    owner_id        TEXT NOT NULL,
    bucket          BIGINT NOT NULL, -- the bucket's start, Unix microseconds
    invocations     BIGINT NOT NULL,
    errors          BIGINT NOT NULL, -- status <> 'success'
    timeouts        BIGINT NOT NULL,
    cold_starts     BIGINT NOT NULL,
    duration_us_sum BIGINT NOT NULL,
    duration_us_max BIGINT NOT NULL,
    bytes_in        BIGINT NOT NULL,
    bytes_out       BIGINT NOT NULL,
    h00 BIGINT, h01 BIGINT, h02 BIGINT, h03 BIGINT, h04 BIGINT, h05 BIGINT, h06 BIGINT, h07 BIGINT,
    h08 BIGINT, h09 BIGINT, h10 BIGINT, h11 BIGINT, h12 BIGINT, h13 BIGINT, h14 BIGINT, h15 BIGINT,
    h16 BIGINT, h17 BIGINT, h18 BIGINT, h19 BIGINT, h20 BIGINT, h21 BIGINT, h22 BIGINT, h23 BIGINT,
    h24 BIGINT, h25 BIGINT, h26 BIGINT, h27 BIGINT, h28 BIGINT, h29 BIGINT, h30 BIGINT, h31 BIGINT,
    h32 BIGINT, h33 BIGINT, h34 BIGINT, h35 BIGINT, h36 BIGINT, h37 BIGINT, h38 BIGINT, h39 BIGINT,
    h40 BIGINT, h41 BIGINT, h42 BIGINT, h43 BIGINT, h44 BIGINT, h45 BIGINT, h46 BIGINT, h47 BIGINT,
    h48 BIGINT, h49 BIGINT, h50 BIGINT, h51 BIGINT, h52 BIGINT, h53 BIGINT, h54 BIGINT, h55 BIGINT,
    h56 BIGINT, h57 BIGINT, h58 BIGINT, h59 BIGINT, h60 BIGINT, h61 BIGINT, h62 BIGINT, h63 BIGINT,
    h64 BIGINT, h65 BIGINT, h66 BIGINT, h67 BIGINT, h68 BIGINT, h69 BIGINT, h70 BIGINT, h71 BIGINT,
    h72 BIGINT, h73 BIGINT, h74 BIGINT, h75 BIGINT, h76 BIGINT, h77 BIGINT, h78 BIGINT, h79 BIGINT,
    h80 BIGINT, h81 BIGINT, h82 BIGINT, h83 BIGINT, h84 BIGINT, h85 BIGINT, h86 BIGINT, h87 BIGINT,
    PRIMARY KEY (owner_id, bucket)
);
CREATE INDEX stats_owner_hourly_bucket ON stats_owner_hourly (bucket);

CREATE TABLE stats_owner_daily (
    owner_id        TEXT NOT NULL,
    bucket          BIGINT NOT NULL, -- the bucket's start, Unix microseconds
    invocations     BIGINT NOT NULL,
    errors          BIGINT NOT NULL, -- status <> 'success'
    timeouts        BIGINT NOT NULL,
    cold_starts     BIGINT NOT NULL,
    duration_us_sum BIGINT NOT NULL,
    duration_us_max BIGINT NOT NULL,
    bytes_in        BIGINT NOT NULL,
    bytes_out       BIGINT NOT NULL,
    h00 BIGINT, h01 BIGINT, h02 BIGINT, h03 BIGINT, h04 BIGINT, h05 BIGINT, h06 BIGINT, h07 BIGINT,
    h08 BIGINT, h09 BIGINT, h10 BIGINT, h11 BIGINT, h12 BIGINT, h13 BIGINT, h14 BIGINT, h15 BIGINT,
    h16 BIGINT, h17 BIGINT, h18 BIGINT, h19 BIGINT, h20 BIGINT, h21 BIGINT, h22 BIGINT, h23 BIGINT,
    h24 BIGINT, h25 BIGINT, h26 BIGINT, h27 BIGINT, h28 BIGINT, h29 BIGINT, h30 BIGINT, h31 BIGINT,
    h32 BIGINT, h33 BIGINT, h34 BIGINT, h35 BIGINT, h36 BIGINT, h37 BIGINT, h38 BIGINT, h39 BIGINT,
    h40 BIGINT, h41 BIGINT, h42 BIGINT, h43 BIGINT, h44 BIGINT, h45 BIGINT, h46 BIGINT, h47 BIGINT,
    h48 BIGINT, h49 BIGINT, h50 BIGINT, h51 BIGINT, h52 BIGINT, h53 BIGINT, h54 BIGINT, h55 BIGINT,
    h56 BIGINT, h57 BIGINT, h58 BIGINT, h59 BIGINT, h60 BIGINT, h61 BIGINT, h62 BIGINT, h63 BIGINT,
    h64 BIGINT, h65 BIGINT, h66 BIGINT, h67 BIGINT, h68 BIGINT, h69 BIGINT, h70 BIGINT, h71 BIGINT,
    h72 BIGINT, h73 BIGINT, h74 BIGINT, h75 BIGINT, h76 BIGINT, h77 BIGINT, h78 BIGINT, h79 BIGINT,
    h80 BIGINT, h81 BIGINT, h82 BIGINT, h83 BIGINT, h84 BIGINT, h85 BIGINT, h86 BIGINT, h87 BIGINT,
    PRIMARY KEY (owner_id, bucket)
);
CREATE INDEX stats_owner_daily_bucket ON stats_owner_daily (bucket);

-- Retention deletes the oldest executions first; the admin view lists recent failures.
CREATE INDEX executions_started ON executions (started_at);
CREATE INDEX executions_failed ON executions (started_at) WHERE status <> 'success';

-- Roll up the executions recorded before this migration. The bins' bounds
-- are berth.BinBounds; sqlstore's TestMigrationBackfill checks that they agree.
-- MATERIALIZED computes each record's bin once: inlined into the 88 sums,
-- the CASE would make the statement slow to compile.
INSERT INTO stats_hourly (function_id, owner_id, bucket, invocations, errors, timeouts, cold_starts,
    duration_us_sum, duration_us_max, bytes_in, bytes_out,
    h00, h01, h02, h03, h04, h05, h06, h07, h08, h09, h10, h11, h12, h13, h14, h15, h16, h17, h18, h19, h20, h21, h22, h23, h24, h25, h26, h27, h28, h29, h30, h31, h32, h33, h34, h35, h36, h37, h38, h39, h40, h41, h42, h43, h44, h45, h46, h47, h48, h49, h50, h51, h52, h53, h54, h55, h56, h57, h58, h59, h60, h61, h62, h63, h64, h65, h66, h67, h68, h69, h70, h71, h72, h73, h74, h75, h76, h77, h78, h79, h80, h81, h82, h83, h84, h85, h86, h87)
WITH binned AS MATERIALIZED (
    SELECT function_id, owner_id, status, cold_start, bytes_in, bytes_out, d, started_at - started_at % 3600000000 AS bucket,
               CASE WHEN d < 100 THEN 0 WHEN d < 119 THEN 1 WHEN d < 141 THEN 2 WHEN d < 168 THEN 3
                WHEN d < 200 THEN 4 WHEN d < 238 THEN 5 WHEN d < 283 THEN 6 WHEN d < 336 THEN 7
                WHEN d < 400 THEN 8 WHEN d < 476 THEN 9 WHEN d < 566 THEN 10 WHEN d < 673 THEN 11
                WHEN d < 800 THEN 12 WHEN d < 951 THEN 13 WHEN d < 1131 THEN 14
                WHEN d < 1345 THEN 15 WHEN d < 1600 THEN 16 WHEN d < 1903 THEN 17
                WHEN d < 2263 THEN 18 WHEN d < 2691 THEN 19 WHEN d < 3200 THEN 20
                WHEN d < 3805 THEN 21 WHEN d < 4525 THEN 22 WHEN d < 5382 THEN 23
                WHEN d < 6400 THEN 24 WHEN d < 7611 THEN 25 WHEN d < 9051 THEN 26
                WHEN d < 10763 THEN 27 WHEN d < 12800 THEN 28 WHEN d < 15222 THEN 29
                WHEN d < 18102 THEN 30 WHEN d < 21527 THEN 31 WHEN d < 25600 THEN 32
                WHEN d < 30444 THEN 33 WHEN d < 36204 THEN 34 WHEN d < 43054 THEN 35
                WHEN d < 51200 THEN 36 WHEN d < 60887 THEN 37 WHEN d < 72408 THEN 38
                WHEN d < 86108 THEN 39 WHEN d < 102400 THEN 40 WHEN d < 121775 THEN 41
                WHEN d < 144815 THEN 42 WHEN d < 172216 THEN 43 WHEN d < 204800 THEN 44
                WHEN d < 243550 THEN 45 WHEN d < 289631 THEN 46 WHEN d < 344431 THEN 47
                WHEN d < 409600 THEN 48 WHEN d < 487099 THEN 49 WHEN d < 579262 THEN 50
                WHEN d < 688862 THEN 51 WHEN d < 819200 THEN 52 WHEN d < 974198 THEN 53
                WHEN d < 1158524 THEN 54 WHEN d < 1377725 THEN 55 WHEN d < 1638400 THEN 56
                WHEN d < 1948397 THEN 57 WHEN d < 2317048 THEN 58 WHEN d < 2755449 THEN 59
                WHEN d < 3276800 THEN 60 WHEN d < 3896794 THEN 61 WHEN d < 4634095 THEN 62
                WHEN d < 5510899 THEN 63 WHEN d < 6553600 THEN 64 WHEN d < 7793588 THEN 65
                WHEN d < 9268190 THEN 66 WHEN d < 11021797 THEN 67 WHEN d < 13107200 THEN 68
                WHEN d < 15587175 THEN 69 WHEN d < 18536380 THEN 70 WHEN d < 22043595 THEN 71
                WHEN d < 26214400 THEN 72 WHEN d < 31174351 THEN 73 WHEN d < 37072760 THEN 74
                WHEN d < 44087190 THEN 75 WHEN d < 52428800 THEN 76 WHEN d < 62348702 THEN 77
                WHEN d < 74145520 THEN 78 WHEN d < 88174380 THEN 79 WHEN d < 104857600 THEN 80
                WHEN d < 124697404 THEN 81 WHEN d < 148291040 THEN 82 WHEN d < 176348760 THEN 83
                WHEN d < 209715200 THEN 84 WHEN d < 249394808 THEN 85 WHEN d < 296582080 THEN 86
                ELSE 87 END AS bin
    FROM (SELECT e.*, CASE WHEN duration_us < 0 THEN 0 ELSE duration_us END AS d FROM executions e) clamped)
SELECT function_id, MIN(owner_id), bucket, COUNT(*),
       SUM(CASE WHEN status <> 'success' THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'timeout' THEN 1 ELSE 0 END),
       SUM(CASE WHEN cold_start THEN 1 ELSE 0 END), SUM(d), MAX(d), SUM(bytes_in), SUM(bytes_out),
       SUM(CASE WHEN bin = 0 THEN 1 END), SUM(CASE WHEN bin = 1 THEN 1 END), SUM(CASE WHEN bin = 2 THEN 1 END), SUM(CASE WHEN bin = 3 THEN 1 END),
       SUM(CASE WHEN bin = 4 THEN 1 END), SUM(CASE WHEN bin = 5 THEN 1 END), SUM(CASE WHEN bin = 6 THEN 1 END), SUM(CASE WHEN bin = 7 THEN 1 END),
       SUM(CASE WHEN bin = 8 THEN 1 END), SUM(CASE WHEN bin = 9 THEN 1 END), SUM(CASE WHEN bin = 10 THEN 1 END), SUM(CASE WHEN bin = 11 THEN 1 END),
       SUM(CASE WHEN bin = 12 THEN 1 END), SUM(CASE WHEN bin = 13 THEN 1 END), SUM(CASE WHEN bin = 14 THEN 1 END), SUM(CASE WHEN bin = 15 THEN 1 END),
       SUM(CASE WHEN bin = 16 THEN 1 END), SUM(CASE WHEN bin = 17 THEN 1 END), SUM(CASE WHEN bin = 18 THEN 1 END), SUM(CASE WHEN bin = 19 THEN 1 END),
       SUM(CASE WHEN bin = 20 THEN 1 END), SUM(CASE WHEN bin = 21 THEN 1 END), SUM(CASE WHEN bin = 22 THEN 1 END), SUM(CASE WHEN bin = 23 THEN 1 END),
       SUM(CASE WHEN bin = 24 THEN 1 END), SUM(CASE WHEN bin = 25 THEN 1 END), SUM(CASE WHEN bin = 26 THEN 1 END), SUM(CASE WHEN bin = 27 THEN 1 END),
       SUM(CASE WHEN bin = 28 THEN 1 END), SUM(CASE WHEN bin = 29 THEN 1 END), SUM(CASE WHEN bin = 30 THEN 1 END), SUM(CASE WHEN bin = 31 THEN 1 END),
       SUM(CASE WHEN bin = 32 THEN 1 END), SUM(CASE WHEN bin = 33 THEN 1 END), SUM(CASE WHEN bin = 34 THEN 1 END), SUM(CASE WHEN bin = 35 THEN 1 END),
       SUM(CASE WHEN bin = 36 THEN 1 END), SUM(CASE WHEN bin = 37 THEN 1 END), SUM(CASE WHEN bin = 38 THEN 1 END), SUM(CASE WHEN bin = 39 THEN 1 END),
       SUM(CASE WHEN bin = 40 THEN 1 END), SUM(CASE WHEN bin = 41 THEN 1 END), SUM(CASE WHEN bin = 42 THEN 1 END), SUM(CASE WHEN bin = 43 THEN 1 END),
       SUM(CASE WHEN bin = 44 THEN 1 END), SUM(CASE WHEN bin = 45 THEN 1 END), SUM(CASE WHEN bin = 46 THEN 1 END), SUM(CASE WHEN bin = 47 THEN 1 END),
       SUM(CASE WHEN bin = 48 THEN 1 END), SUM(CASE WHEN bin = 49 THEN 1 END), SUM(CASE WHEN bin = 50 THEN 1 END), SUM(CASE WHEN bin = 51 THEN 1 END),
       SUM(CASE WHEN bin = 52 THEN 1 END), SUM(CASE WHEN bin = 53 THEN 1 END), SUM(CASE WHEN bin = 54 THEN 1 END), SUM(CASE WHEN bin = 55 THEN 1 END),
       SUM(CASE WHEN bin = 56 THEN 1 END), SUM(CASE WHEN bin = 57 THEN 1 END), SUM(CASE WHEN bin = 58 THEN 1 END), SUM(CASE WHEN bin = 59 THEN 1 END),
       SUM(CASE WHEN bin = 60 THEN 1 END), SUM(CASE WHEN bin = 61 THEN 1 END), SUM(CASE WHEN bin = 62 THEN 1 END), SUM(CASE WHEN bin = 63 THEN 1 END),
       SUM(CASE WHEN bin = 64 THEN 1 END), SUM(CASE WHEN bin = 65 THEN 1 END), SUM(CASE WHEN bin = 66 THEN 1 END), SUM(CASE WHEN bin = 67 THEN 1 END),
       SUM(CASE WHEN bin = 68 THEN 1 END), SUM(CASE WHEN bin = 69 THEN 1 END), SUM(CASE WHEN bin = 70 THEN 1 END), SUM(CASE WHEN bin = 71 THEN 1 END),
       SUM(CASE WHEN bin = 72 THEN 1 END), SUM(CASE WHEN bin = 73 THEN 1 END), SUM(CASE WHEN bin = 74 THEN 1 END), SUM(CASE WHEN bin = 75 THEN 1 END),
       SUM(CASE WHEN bin = 76 THEN 1 END), SUM(CASE WHEN bin = 77 THEN 1 END), SUM(CASE WHEN bin = 78 THEN 1 END), SUM(CASE WHEN bin = 79 THEN 1 END),
       SUM(CASE WHEN bin = 80 THEN 1 END), SUM(CASE WHEN bin = 81 THEN 1 END), SUM(CASE WHEN bin = 82 THEN 1 END), SUM(CASE WHEN bin = 83 THEN 1 END),
       SUM(CASE WHEN bin = 84 THEN 1 END), SUM(CASE WHEN bin = 85 THEN 1 END), SUM(CASE WHEN bin = 86 THEN 1 END), SUM(CASE WHEN bin = 87 THEN 1 END)
FROM binned
GROUP BY function_id, bucket;

INSERT INTO stats_daily (function_id, owner_id, bucket, invocations, errors, timeouts, cold_starts,
    duration_us_sum, duration_us_max, bytes_in, bytes_out,
    h00, h01, h02, h03, h04, h05, h06, h07, h08, h09, h10, h11, h12, h13, h14, h15, h16, h17, h18, h19, h20, h21, h22, h23, h24, h25, h26, h27, h28, h29, h30, h31, h32, h33, h34, h35, h36, h37, h38, h39, h40, h41, h42, h43, h44, h45, h46, h47, h48, h49, h50, h51, h52, h53, h54, h55, h56, h57, h58, h59, h60, h61, h62, h63, h64, h65, h66, h67, h68, h69, h70, h71, h72, h73, h74, h75, h76, h77, h78, h79, h80, h81, h82, h83, h84, h85, h86, h87)
WITH binned AS MATERIALIZED (
    SELECT function_id, owner_id, status, cold_start, bytes_in, bytes_out, d, started_at - started_at % 86400000000 AS bucket,
               CASE WHEN d < 100 THEN 0 WHEN d < 119 THEN 1 WHEN d < 141 THEN 2 WHEN d < 168 THEN 3
                WHEN d < 200 THEN 4 WHEN d < 238 THEN 5 WHEN d < 283 THEN 6 WHEN d < 336 THEN 7
                WHEN d < 400 THEN 8 WHEN d < 476 THEN 9 WHEN d < 566 THEN 10 WHEN d < 673 THEN 11
                WHEN d < 800 THEN 12 WHEN d < 951 THEN 13 WHEN d < 1131 THEN 14
                WHEN d < 1345 THEN 15 WHEN d < 1600 THEN 16 WHEN d < 1903 THEN 17
                WHEN d < 2263 THEN 18 WHEN d < 2691 THEN 19 WHEN d < 3200 THEN 20
                WHEN d < 3805 THEN 21 WHEN d < 4525 THEN 22 WHEN d < 5382 THEN 23
                WHEN d < 6400 THEN 24 WHEN d < 7611 THEN 25 WHEN d < 9051 THEN 26
                WHEN d < 10763 THEN 27 WHEN d < 12800 THEN 28 WHEN d < 15222 THEN 29
                WHEN d < 18102 THEN 30 WHEN d < 21527 THEN 31 WHEN d < 25600 THEN 32
                WHEN d < 30444 THEN 33 WHEN d < 36204 THEN 34 WHEN d < 43054 THEN 35
                WHEN d < 51200 THEN 36 WHEN d < 60887 THEN 37 WHEN d < 72408 THEN 38
                WHEN d < 86108 THEN 39 WHEN d < 102400 THEN 40 WHEN d < 121775 THEN 41
                WHEN d < 144815 THEN 42 WHEN d < 172216 THEN 43 WHEN d < 204800 THEN 44
                WHEN d < 243550 THEN 45 WHEN d < 289631 THEN 46 WHEN d < 344431 THEN 47
                WHEN d < 409600 THEN 48 WHEN d < 487099 THEN 49 WHEN d < 579262 THEN 50
                WHEN d < 688862 THEN 51 WHEN d < 819200 THEN 52 WHEN d < 974198 THEN 53
                WHEN d < 1158524 THEN 54 WHEN d < 1377725 THEN 55 WHEN d < 1638400 THEN 56
                WHEN d < 1948397 THEN 57 WHEN d < 2317048 THEN 58 WHEN d < 2755449 THEN 59
                WHEN d < 3276800 THEN 60 WHEN d < 3896794 THEN 61 WHEN d < 4634095 THEN 62
                WHEN d < 5510899 THEN 63 WHEN d < 6553600 THEN 64 WHEN d < 7793588 THEN 65
                WHEN d < 9268190 THEN 66 WHEN d < 11021797 THEN 67 WHEN d < 13107200 THEN 68
                WHEN d < 15587175 THEN 69 WHEN d < 18536380 THEN 70 WHEN d < 22043595 THEN 71
                WHEN d < 26214400 THEN 72 WHEN d < 31174351 THEN 73 WHEN d < 37072760 THEN 74
                WHEN d < 44087190 THEN 75 WHEN d < 52428800 THEN 76 WHEN d < 62348702 THEN 77
                WHEN d < 74145520 THEN 78 WHEN d < 88174380 THEN 79 WHEN d < 104857600 THEN 80
                WHEN d < 124697404 THEN 81 WHEN d < 148291040 THEN 82 WHEN d < 176348760 THEN 83
                WHEN d < 209715200 THEN 84 WHEN d < 249394808 THEN 85 WHEN d < 296582080 THEN 86
                ELSE 87 END AS bin
    FROM (SELECT e.*, CASE WHEN duration_us < 0 THEN 0 ELSE duration_us END AS d FROM executions e) clamped)
SELECT function_id, MIN(owner_id), bucket, COUNT(*),
       SUM(CASE WHEN status <> 'success' THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'timeout' THEN 1 ELSE 0 END),
       SUM(CASE WHEN cold_start THEN 1 ELSE 0 END), SUM(d), MAX(d), SUM(bytes_in), SUM(bytes_out),
       SUM(CASE WHEN bin = 0 THEN 1 END), SUM(CASE WHEN bin = 1 THEN 1 END), SUM(CASE WHEN bin = 2 THEN 1 END), SUM(CASE WHEN bin = 3 THEN 1 END),
       SUM(CASE WHEN bin = 4 THEN 1 END), SUM(CASE WHEN bin = 5 THEN 1 END), SUM(CASE WHEN bin = 6 THEN 1 END), SUM(CASE WHEN bin = 7 THEN 1 END),
       SUM(CASE WHEN bin = 8 THEN 1 END), SUM(CASE WHEN bin = 9 THEN 1 END), SUM(CASE WHEN bin = 10 THEN 1 END), SUM(CASE WHEN bin = 11 THEN 1 END),
       SUM(CASE WHEN bin = 12 THEN 1 END), SUM(CASE WHEN bin = 13 THEN 1 END), SUM(CASE WHEN bin = 14 THEN 1 END), SUM(CASE WHEN bin = 15 THEN 1 END),
       SUM(CASE WHEN bin = 16 THEN 1 END), SUM(CASE WHEN bin = 17 THEN 1 END), SUM(CASE WHEN bin = 18 THEN 1 END), SUM(CASE WHEN bin = 19 THEN 1 END),
       SUM(CASE WHEN bin = 20 THEN 1 END), SUM(CASE WHEN bin = 21 THEN 1 END), SUM(CASE WHEN bin = 22 THEN 1 END), SUM(CASE WHEN bin = 23 THEN 1 END),
       SUM(CASE WHEN bin = 24 THEN 1 END), SUM(CASE WHEN bin = 25 THEN 1 END), SUM(CASE WHEN bin = 26 THEN 1 END), SUM(CASE WHEN bin = 27 THEN 1 END),
       SUM(CASE WHEN bin = 28 THEN 1 END), SUM(CASE WHEN bin = 29 THEN 1 END), SUM(CASE WHEN bin = 30 THEN 1 END), SUM(CASE WHEN bin = 31 THEN 1 END),
       SUM(CASE WHEN bin = 32 THEN 1 END), SUM(CASE WHEN bin = 33 THEN 1 END), SUM(CASE WHEN bin = 34 THEN 1 END), SUM(CASE WHEN bin = 35 THEN 1 END),
       SUM(CASE WHEN bin = 36 THEN 1 END), SUM(CASE WHEN bin = 37 THEN 1 END), SUM(CASE WHEN bin = 38 THEN 1 END), SUM(CASE WHEN bin = 39 THEN 1 END),
       SUM(CASE WHEN bin = 40 THEN 1 END), SUM(CASE WHEN bin = 41 THEN 1 END), SUM(CASE WHEN bin = 42 THEN 1 END), SUM(CASE WHEN bin = 43 THEN 1 END),
       SUM(CASE WHEN bin = 44 THEN 1 END), SUM(CASE WHEN bin = 45 THEN 1 END), SUM(CASE WHEN bin = 46 THEN 1 END), SUM(CASE WHEN bin = 47 THEN 1 END),
       SUM(CASE WHEN bin = 48 THEN 1 END), SUM(CASE WHEN bin = 49 THEN 1 END), SUM(CASE WHEN bin = 50 THEN 1 END), SUM(CASE WHEN bin = 51 THEN 1 END),
       SUM(CASE WHEN bin = 52 THEN 1 END), SUM(CASE WHEN bin = 53 THEN 1 END), SUM(CASE WHEN bin = 54 THEN 1 END), SUM(CASE WHEN bin = 55 THEN 1 END),
       SUM(CASE WHEN bin = 56 THEN 1 END), SUM(CASE WHEN bin = 57 THEN 1 END), SUM(CASE WHEN bin = 58 THEN 1 END), SUM(CASE WHEN bin = 59 THEN 1 END),
       SUM(CASE WHEN bin = 60 THEN 1 END), SUM(CASE WHEN bin = 61 THEN 1 END), SUM(CASE WHEN bin = 62 THEN 1 END), SUM(CASE WHEN bin = 63 THEN 1 END),
       SUM(CASE WHEN bin = 64 THEN 1 END), SUM(CASE WHEN bin = 65 THEN 1 END), SUM(CASE WHEN bin = 66 THEN 1 END), SUM(CASE WHEN bin = 67 THEN 1 END),
       SUM(CASE WHEN bin = 68 THEN 1 END), SUM(CASE WHEN bin = 69 THEN 1 END), SUM(CASE WHEN bin = 70 THEN 1 END), SUM(CASE WHEN bin = 71 THEN 1 END),
       SUM(CASE WHEN bin = 72 THEN 1 END), SUM(CASE WHEN bin = 73 THEN 1 END), SUM(CASE WHEN bin = 74 THEN 1 END), SUM(CASE WHEN bin = 75 THEN 1 END),
       SUM(CASE WHEN bin = 76 THEN 1 END), SUM(CASE WHEN bin = 77 THEN 1 END), SUM(CASE WHEN bin = 78 THEN 1 END), SUM(CASE WHEN bin = 79 THEN 1 END),
       SUM(CASE WHEN bin = 80 THEN 1 END), SUM(CASE WHEN bin = 81 THEN 1 END), SUM(CASE WHEN bin = 82 THEN 1 END), SUM(CASE WHEN bin = 83 THEN 1 END),
       SUM(CASE WHEN bin = 84 THEN 1 END), SUM(CASE WHEN bin = 85 THEN 1 END), SUM(CASE WHEN bin = 86 THEN 1 END), SUM(CASE WHEN bin = 87 THEN 1 END)
FROM binned
GROUP BY function_id, bucket;

INSERT INTO stats_owner_hourly (owner_id, bucket, invocations, errors, timeouts, cold_starts,
    duration_us_sum, duration_us_max, bytes_in, bytes_out,
    h00, h01, h02, h03, h04, h05, h06, h07, h08, h09, h10, h11, h12, h13, h14, h15, h16, h17, h18, h19, h20, h21, h22, h23, h24, h25, h26, h27, h28, h29, h30, h31, h32, h33, h34, h35, h36, h37, h38, h39, h40, h41, h42, h43, h44, h45, h46, h47, h48, h49, h50, h51, h52, h53, h54, h55, h56, h57, h58, h59, h60, h61, h62, h63, h64, h65, h66, h67, h68, h69, h70, h71, h72, h73, h74, h75, h76, h77, h78, h79, h80, h81, h82, h83, h84, h85, h86, h87)
WITH binned AS MATERIALIZED (
    SELECT function_id, owner_id, status, cold_start, bytes_in, bytes_out, d, started_at - started_at % 3600000000 AS bucket,
               CASE WHEN d < 100 THEN 0 WHEN d < 119 THEN 1 WHEN d < 141 THEN 2 WHEN d < 168 THEN 3
                WHEN d < 200 THEN 4 WHEN d < 238 THEN 5 WHEN d < 283 THEN 6 WHEN d < 336 THEN 7
                WHEN d < 400 THEN 8 WHEN d < 476 THEN 9 WHEN d < 566 THEN 10 WHEN d < 673 THEN 11
                WHEN d < 800 THEN 12 WHEN d < 951 THEN 13 WHEN d < 1131 THEN 14
                WHEN d < 1345 THEN 15 WHEN d < 1600 THEN 16 WHEN d < 1903 THEN 17
                WHEN d < 2263 THEN 18 WHEN d < 2691 THEN 19 WHEN d < 3200 THEN 20
                WHEN d < 3805 THEN 21 WHEN d < 4525 THEN 22 WHEN d < 5382 THEN 23
                WHEN d < 6400 THEN 24 WHEN d < 7611 THEN 25 WHEN d < 9051 THEN 26
                WHEN d < 10763 THEN 27 WHEN d < 12800 THEN 28 WHEN d < 15222 THEN 29
                WHEN d < 18102 THEN 30 WHEN d < 21527 THEN 31 WHEN d < 25600 THEN 32
                WHEN d < 30444 THEN 33 WHEN d < 36204 THEN 34 WHEN d < 43054 THEN 35
                WHEN d < 51200 THEN 36 WHEN d < 60887 THEN 37 WHEN d < 72408 THEN 38
                WHEN d < 86108 THEN 39 WHEN d < 102400 THEN 40 WHEN d < 121775 THEN 41
                WHEN d < 144815 THEN 42 WHEN d < 172216 THEN 43 WHEN d < 204800 THEN 44
                WHEN d < 243550 THEN 45 WHEN d < 289631 THEN 46 WHEN d < 344431 THEN 47
                WHEN d < 409600 THEN 48 WHEN d < 487099 THEN 49 WHEN d < 579262 THEN 50
                WHEN d < 688862 THEN 51 WHEN d < 819200 THEN 52 WHEN d < 974198 THEN 53
                WHEN d < 1158524 THEN 54 WHEN d < 1377725 THEN 55 WHEN d < 1638400 THEN 56
                WHEN d < 1948397 THEN 57 WHEN d < 2317048 THEN 58 WHEN d < 2755449 THEN 59
                WHEN d < 3276800 THEN 60 WHEN d < 3896794 THEN 61 WHEN d < 4634095 THEN 62
                WHEN d < 5510899 THEN 63 WHEN d < 6553600 THEN 64 WHEN d < 7793588 THEN 65
                WHEN d < 9268190 THEN 66 WHEN d < 11021797 THEN 67 WHEN d < 13107200 THEN 68
                WHEN d < 15587175 THEN 69 WHEN d < 18536380 THEN 70 WHEN d < 22043595 THEN 71
                WHEN d < 26214400 THEN 72 WHEN d < 31174351 THEN 73 WHEN d < 37072760 THEN 74
                WHEN d < 44087190 THEN 75 WHEN d < 52428800 THEN 76 WHEN d < 62348702 THEN 77
                WHEN d < 74145520 THEN 78 WHEN d < 88174380 THEN 79 WHEN d < 104857600 THEN 80
                WHEN d < 124697404 THEN 81 WHEN d < 148291040 THEN 82 WHEN d < 176348760 THEN 83
                WHEN d < 209715200 THEN 84 WHEN d < 249394808 THEN 85 WHEN d < 296582080 THEN 86
                ELSE 87 END AS bin
    FROM (SELECT e.*, CASE WHEN duration_us < 0 THEN 0 ELSE duration_us END AS d FROM executions e) clamped)
SELECT owner_id, bucket, COUNT(*),
       SUM(CASE WHEN status <> 'success' THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'timeout' THEN 1 ELSE 0 END),
       SUM(CASE WHEN cold_start THEN 1 ELSE 0 END), SUM(d), MAX(d), SUM(bytes_in), SUM(bytes_out),
       SUM(CASE WHEN bin = 0 THEN 1 END), SUM(CASE WHEN bin = 1 THEN 1 END), SUM(CASE WHEN bin = 2 THEN 1 END), SUM(CASE WHEN bin = 3 THEN 1 END),
       SUM(CASE WHEN bin = 4 THEN 1 END), SUM(CASE WHEN bin = 5 THEN 1 END), SUM(CASE WHEN bin = 6 THEN 1 END), SUM(CASE WHEN bin = 7 THEN 1 END),
       SUM(CASE WHEN bin = 8 THEN 1 END), SUM(CASE WHEN bin = 9 THEN 1 END), SUM(CASE WHEN bin = 10 THEN 1 END), SUM(CASE WHEN bin = 11 THEN 1 END),
       SUM(CASE WHEN bin = 12 THEN 1 END), SUM(CASE WHEN bin = 13 THEN 1 END), SUM(CASE WHEN bin = 14 THEN 1 END), SUM(CASE WHEN bin = 15 THEN 1 END),
       SUM(CASE WHEN bin = 16 THEN 1 END), SUM(CASE WHEN bin = 17 THEN 1 END), SUM(CASE WHEN bin = 18 THEN 1 END), SUM(CASE WHEN bin = 19 THEN 1 END),
       SUM(CASE WHEN bin = 20 THEN 1 END), SUM(CASE WHEN bin = 21 THEN 1 END), SUM(CASE WHEN bin = 22 THEN 1 END), SUM(CASE WHEN bin = 23 THEN 1 END),
       SUM(CASE WHEN bin = 24 THEN 1 END), SUM(CASE WHEN bin = 25 THEN 1 END), SUM(CASE WHEN bin = 26 THEN 1 END), SUM(CASE WHEN bin = 27 THEN 1 END),
       SUM(CASE WHEN bin = 28 THEN 1 END), SUM(CASE WHEN bin = 29 THEN 1 END), SUM(CASE WHEN bin = 30 THEN 1 END), SUM(CASE WHEN bin = 31 THEN 1 END),
       SUM(CASE WHEN bin = 32 THEN 1 END), SUM(CASE WHEN bin = 33 THEN 1 END), SUM(CASE WHEN bin = 34 THEN 1 END), SUM(CASE WHEN bin = 35 THEN 1 END),
       SUM(CASE WHEN bin = 36 THEN 1 END), SUM(CASE WHEN bin = 37 THEN 1 END), SUM(CASE WHEN bin = 38 THEN 1 END), SUM(CASE WHEN bin = 39 THEN 1 END),
       SUM(CASE WHEN bin = 40 THEN 1 END), SUM(CASE WHEN bin = 41 THEN 1 END), SUM(CASE WHEN bin = 42 THEN 1 END), SUM(CASE WHEN bin = 43 THEN 1 END),
       SUM(CASE WHEN bin = 44 THEN 1 END), SUM(CASE WHEN bin = 45 THEN 1 END), SUM(CASE WHEN bin = 46 THEN 1 END), SUM(CASE WHEN bin = 47 THEN 1 END),
       SUM(CASE WHEN bin = 48 THEN 1 END), SUM(CASE WHEN bin = 49 THEN 1 END), SUM(CASE WHEN bin = 50 THEN 1 END), SUM(CASE WHEN bin = 51 THEN 1 END),
       SUM(CASE WHEN bin = 52 THEN 1 END), SUM(CASE WHEN bin = 53 THEN 1 END), SUM(CASE WHEN bin = 54 THEN 1 END), SUM(CASE WHEN bin = 55 THEN 1 END),
       SUM(CASE WHEN bin = 56 THEN 1 END), SUM(CASE WHEN bin = 57 THEN 1 END), SUM(CASE WHEN bin = 58 THEN 1 END), SUM(CASE WHEN bin = 59 THEN 1 END),
       SUM(CASE WHEN bin = 60 THEN 1 END), SUM(CASE WHEN bin = 61 THEN 1 END), SUM(CASE WHEN bin = 62 THEN 1 END), SUM(CASE WHEN bin = 63 THEN 1 END),
       SUM(CASE WHEN bin = 64 THEN 1 END), SUM(CASE WHEN bin = 65 THEN 1 END), SUM(CASE WHEN bin = 66 THEN 1 END), SUM(CASE WHEN bin = 67 THEN 1 END),
       SUM(CASE WHEN bin = 68 THEN 1 END), SUM(CASE WHEN bin = 69 THEN 1 END), SUM(CASE WHEN bin = 70 THEN 1 END), SUM(CASE WHEN bin = 71 THEN 1 END),
       SUM(CASE WHEN bin = 72 THEN 1 END), SUM(CASE WHEN bin = 73 THEN 1 END), SUM(CASE WHEN bin = 74 THEN 1 END), SUM(CASE WHEN bin = 75 THEN 1 END),
       SUM(CASE WHEN bin = 76 THEN 1 END), SUM(CASE WHEN bin = 77 THEN 1 END), SUM(CASE WHEN bin = 78 THEN 1 END), SUM(CASE WHEN bin = 79 THEN 1 END),
       SUM(CASE WHEN bin = 80 THEN 1 END), SUM(CASE WHEN bin = 81 THEN 1 END), SUM(CASE WHEN bin = 82 THEN 1 END), SUM(CASE WHEN bin = 83 THEN 1 END),
       SUM(CASE WHEN bin = 84 THEN 1 END), SUM(CASE WHEN bin = 85 THEN 1 END), SUM(CASE WHEN bin = 86 THEN 1 END), SUM(CASE WHEN bin = 87 THEN 1 END)
FROM binned
GROUP BY owner_id, bucket;

INSERT INTO stats_owner_daily (owner_id, bucket, invocations, errors, timeouts, cold_starts,
    duration_us_sum, duration_us_max, bytes_in, bytes_out,
    h00, h01, h02, h03, h04, h05, h06, h07, h08, h09, h10, h11, h12, h13, h14, h15, h16, h17, h18, h19, h20, h21, h22, h23, h24, h25, h26, h27, h28, h29, h30, h31, h32, h33, h34, h35, h36, h37, h38, h39, h40, h41, h42, h43, h44, h45, h46, h47, h48, h49, h50, h51, h52, h53, h54, h55, h56, h57, h58, h59, h60, h61, h62, h63, h64, h65, h66, h67, h68, h69, h70, h71, h72, h73, h74, h75, h76, h77, h78, h79, h80, h81, h82, h83, h84, h85, h86, h87)
WITH binned AS MATERIALIZED (
    SELECT function_id, owner_id, status, cold_start, bytes_in, bytes_out, d, started_at - started_at % 86400000000 AS bucket,
               CASE WHEN d < 100 THEN 0 WHEN d < 119 THEN 1 WHEN d < 141 THEN 2 WHEN d < 168 THEN 3
                WHEN d < 200 THEN 4 WHEN d < 238 THEN 5 WHEN d < 283 THEN 6 WHEN d < 336 THEN 7
                WHEN d < 400 THEN 8 WHEN d < 476 THEN 9 WHEN d < 566 THEN 10 WHEN d < 673 THEN 11
                WHEN d < 800 THEN 12 WHEN d < 951 THEN 13 WHEN d < 1131 THEN 14
                WHEN d < 1345 THEN 15 WHEN d < 1600 THEN 16 WHEN d < 1903 THEN 17
                WHEN d < 2263 THEN 18 WHEN d < 2691 THEN 19 WHEN d < 3200 THEN 20
                WHEN d < 3805 THEN 21 WHEN d < 4525 THEN 22 WHEN d < 5382 THEN 23
                WHEN d < 6400 THEN 24 WHEN d < 7611 THEN 25 WHEN d < 9051 THEN 26
                WHEN d < 10763 THEN 27 WHEN d < 12800 THEN 28 WHEN d < 15222 THEN 29
                WHEN d < 18102 THEN 30 WHEN d < 21527 THEN 31 WHEN d < 25600 THEN 32
                WHEN d < 30444 THEN 33 WHEN d < 36204 THEN 34 WHEN d < 43054 THEN 35
                WHEN d < 51200 THEN 36 WHEN d < 60887 THEN 37 WHEN d < 72408 THEN 38
                WHEN d < 86108 THEN 39 WHEN d < 102400 THEN 40 WHEN d < 121775 THEN 41
                WHEN d < 144815 THEN 42 WHEN d < 172216 THEN 43 WHEN d < 204800 THEN 44
                WHEN d < 243550 THEN 45 WHEN d < 289631 THEN 46 WHEN d < 344431 THEN 47
                WHEN d < 409600 THEN 48 WHEN d < 487099 THEN 49 WHEN d < 579262 THEN 50
                WHEN d < 688862 THEN 51 WHEN d < 819200 THEN 52 WHEN d < 974198 THEN 53
                WHEN d < 1158524 THEN 54 WHEN d < 1377725 THEN 55 WHEN d < 1638400 THEN 56
                WHEN d < 1948397 THEN 57 WHEN d < 2317048 THEN 58 WHEN d < 2755449 THEN 59
                WHEN d < 3276800 THEN 60 WHEN d < 3896794 THEN 61 WHEN d < 4634095 THEN 62
                WHEN d < 5510899 THEN 63 WHEN d < 6553600 THEN 64 WHEN d < 7793588 THEN 65
                WHEN d < 9268190 THEN 66 WHEN d < 11021797 THEN 67 WHEN d < 13107200 THEN 68
                WHEN d < 15587175 THEN 69 WHEN d < 18536380 THEN 70 WHEN d < 22043595 THEN 71
                WHEN d < 26214400 THEN 72 WHEN d < 31174351 THEN 73 WHEN d < 37072760 THEN 74
                WHEN d < 44087190 THEN 75 WHEN d < 52428800 THEN 76 WHEN d < 62348702 THEN 77
                WHEN d < 74145520 THEN 78 WHEN d < 88174380 THEN 79 WHEN d < 104857600 THEN 80
                WHEN d < 124697404 THEN 81 WHEN d < 148291040 THEN 82 WHEN d < 176348760 THEN 83
                WHEN d < 209715200 THEN 84 WHEN d < 249394808 THEN 85 WHEN d < 296582080 THEN 86
                ELSE 87 END AS bin
    FROM (SELECT e.*, CASE WHEN duration_us < 0 THEN 0 ELSE duration_us END AS d FROM executions e) clamped)
SELECT owner_id, bucket, COUNT(*),
       SUM(CASE WHEN status <> 'success' THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'timeout' THEN 1 ELSE 0 END),
       SUM(CASE WHEN cold_start THEN 1 ELSE 0 END), SUM(d), MAX(d), SUM(bytes_in), SUM(bytes_out),
       SUM(CASE WHEN bin = 0 THEN 1 END), SUM(CASE WHEN bin = 1 THEN 1 END), SUM(CASE WHEN bin = 2 THEN 1 END), SUM(CASE WHEN bin = 3 THEN 1 END),
       SUM(CASE WHEN bin = 4 THEN 1 END), SUM(CASE WHEN bin = 5 THEN 1 END), SUM(CASE WHEN bin = 6 THEN 1 END), SUM(CASE WHEN bin = 7 THEN 1 END),
       SUM(CASE WHEN bin = 8 THEN 1 END), SUM(CASE WHEN bin = 9 THEN 1 END), SUM(CASE WHEN bin = 10 THEN 1 END), SUM(CASE WHEN bin = 11 THEN 1 END),
       SUM(CASE WHEN bin = 12 THEN 1 END), SUM(CASE WHEN bin = 13 THEN 1 END), SUM(CASE WHEN bin = 14 THEN 1 END), SUM(CASE WHEN bin = 15 THEN 1 END),
       SUM(CASE WHEN bin = 16 THEN 1 END), SUM(CASE WHEN bin = 17 THEN 1 END), SUM(CASE WHEN bin = 18 THEN 1 END), SUM(CASE WHEN bin = 19 THEN 1 END),
       SUM(CASE WHEN bin = 20 THEN 1 END), SUM(CASE WHEN bin = 21 THEN 1 END), SUM(CASE WHEN bin = 22 THEN 1 END), SUM(CASE WHEN bin = 23 THEN 1 END),
       SUM(CASE WHEN bin = 24 THEN 1 END), SUM(CASE WHEN bin = 25 THEN 1 END), SUM(CASE WHEN bin = 26 THEN 1 END), SUM(CASE WHEN bin = 27 THEN 1 END),
       SUM(CASE WHEN bin = 28 THEN 1 END), SUM(CASE WHEN bin = 29 THEN 1 END), SUM(CASE WHEN bin = 30 THEN 1 END), SUM(CASE WHEN bin = 31 THEN 1 END),
       SUM(CASE WHEN bin = 32 THEN 1 END), SUM(CASE WHEN bin = 33 THEN 1 END), SUM(CASE WHEN bin = 34 THEN 1 END), SUM(CASE WHEN bin = 35 THEN 1 END),
       SUM(CASE WHEN bin = 36 THEN 1 END), SUM(CASE WHEN bin = 37 THEN 1 END), SUM(CASE WHEN bin = 38 THEN 1 END), SUM(CASE WHEN bin = 39 THEN 1 END),
       SUM(CASE WHEN bin = 40 THEN 1 END), SUM(CASE WHEN bin = 41 THEN 1 END), SUM(CASE WHEN bin = 42 THEN 1 END), SUM(CASE WHEN bin = 43 THEN 1 END),
       SUM(CASE WHEN bin = 44 THEN 1 END), SUM(CASE WHEN bin = 45 THEN 1 END), SUM(CASE WHEN bin = 46 THEN 1 END), SUM(CASE WHEN bin = 47 THEN 1 END),
       SUM(CASE WHEN bin = 48 THEN 1 END), SUM(CASE WHEN bin = 49 THEN 1 END), SUM(CASE WHEN bin = 50 THEN 1 END), SUM(CASE WHEN bin = 51 THEN 1 END),
       SUM(CASE WHEN bin = 52 THEN 1 END), SUM(CASE WHEN bin = 53 THEN 1 END), SUM(CASE WHEN bin = 54 THEN 1 END), SUM(CASE WHEN bin = 55 THEN 1 END),
       SUM(CASE WHEN bin = 56 THEN 1 END), SUM(CASE WHEN bin = 57 THEN 1 END), SUM(CASE WHEN bin = 58 THEN 1 END), SUM(CASE WHEN bin = 59 THEN 1 END),
       SUM(CASE WHEN bin = 60 THEN 1 END), SUM(CASE WHEN bin = 61 THEN 1 END), SUM(CASE WHEN bin = 62 THEN 1 END), SUM(CASE WHEN bin = 63 THEN 1 END),
       SUM(CASE WHEN bin = 64 THEN 1 END), SUM(CASE WHEN bin = 65 THEN 1 END), SUM(CASE WHEN bin = 66 THEN 1 END), SUM(CASE WHEN bin = 67 THEN 1 END),
       SUM(CASE WHEN bin = 68 THEN 1 END), SUM(CASE WHEN bin = 69 THEN 1 END), SUM(CASE WHEN bin = 70 THEN 1 END), SUM(CASE WHEN bin = 71 THEN 1 END),
       SUM(CASE WHEN bin = 72 THEN 1 END), SUM(CASE WHEN bin = 73 THEN 1 END), SUM(CASE WHEN bin = 74 THEN 1 END), SUM(CASE WHEN bin = 75 THEN 1 END),
       SUM(CASE WHEN bin = 76 THEN 1 END), SUM(CASE WHEN bin = 77 THEN 1 END), SUM(CASE WHEN bin = 78 THEN 1 END), SUM(CASE WHEN bin = 79 THEN 1 END),
       SUM(CASE WHEN bin = 80 THEN 1 END), SUM(CASE WHEN bin = 81 THEN 1 END), SUM(CASE WHEN bin = 82 THEN 1 END), SUM(CASE WHEN bin = 83 THEN 1 END),
       SUM(CASE WHEN bin = 84 THEN 1 END), SUM(CASE WHEN bin = 85 THEN 1 END), SUM(CASE WHEN bin = 86 THEN 1 END), SUM(CASE WHEN bin = 87 THEN 1 END)
FROM binned
GROUP BY owner_id, bucket;

-- +goose Down
DROP INDEX executions_failed;
DROP INDEX executions_started;
DROP TABLE stats_owner_daily;
DROP TABLE stats_owner_hourly;
DROP TABLE stats_daily;
DROP TABLE stats_hourly;
