"""The reference of `medialib bench search`: the benchmark's five searches as hand-written
SQL, run by SQLite alone (Python's sqlite3 module) on the benchmark's database, read-only.

For each search it times what the store runs for one page: the count of all matches (on
a first page only: later pages carry it in their cursor; a relevance search with filters
counts in its keys query), the keys query (the ids of the
page of 50 and one row more, which tells whether another page follows, from indexes), and
the rows of the page. The SQL follows crates/store/src/sqlite/search/ and the schema in
crates/store/migrations: live assets of namespace 1, full-text matches from asset_fts
(every word a quoted prefix), relevance as the column groups any word is found in (title 8,
tags 4, filename/alt text/camera 2, +1) then upload order, keyset pages on (sort keys, id).

Reads its parameters as JSON on stdin:
  {"db": path, "runs": n, "warm_up": n, "created_from": "YYYY-MM-DD", "cursor": "...",
   "deep_total": n, "text_word": w, "filter_word": w, "broad_word": w}
and prints, as JSON on stdout, the SQLite version and for each search the time of every
run in milliseconds, the count and the ids (hex) of the page.
"""

import base64
import json
import pathlib
import platform
import sqlite3
import sys
import time
from datetime import datetime, timezone

COLUMNS = """a.id, a.namespace_id, a.kind, a.status, a.mime, a.size, a.sha256,
    a.original_filename, a.title, a.description, a.alt_text, a.is_public, a.width, a.height,
    a.frame_count, a.duration_s, a.page_count, a.metadata, a.placeholder, a.error,
    a.uploaded_by, a.created_at, a.updated_at, a.deleted_at, a.taken_at,
    (SELECT count(*) FROM usage u WHERE u.asset_id = a.id) AS usage_count"""

LIVE = "a.namespace_id = 1 AND a.deleted_at IS NULL"

TEXT_MATCH = "a.search_rowid IN (SELECT rowid FROM asset_fts WHERE asset_fts MATCH :match)"

# Full-text hits with their relevance: a column group scores when any word matches in it.
HITS = """WITH hits AS MATERIALIZED (
    SELECT rowid AS hit_rowid,
        8 * (rowid IN (SELECT rowid FROM asset_fts WHERE asset_fts MATCH :title))
      + 4 * (rowid IN (SELECT rowid FROM asset_fts WHERE asset_fts MATCH :tags))
      + 2 * (rowid IN (SELECT rowid FROM asset_fts WHERE asset_fts MATCH :meta)) + 1 AS score
    FROM asset_fts WHERE asset_fts MATCH :match)"""

TEXT_FILTERS = "a.kind = 'image' AND a.size <= 20000000 AND a.width > a.height"

FILTERS = "a.kind = 'image' AND a.has_gps = 1 AND a.width >= 1920 AND a.created_at >= :from"

TAGS = """a.id IN (SELECT at.asset_id FROM asset_tag at JOIN tag t ON t.id = at.tag_id
    WHERE t.namespace_id = 1 AND t.slug IN ({slugs}))"""

# Tagged assets are counted from the tag side, as the store does.
TAGS_COUNT = """SELECT count(*) FROM (SELECT at.asset_id AS member FROM asset_tag at
    JOIN tag t ON t.id = at.tag_id WHERE t.namespace_id = 1 AND t.slug IN ({slugs})
    GROUP BY at.asset_id) members CROSS JOIN asset a INDEXED BY asset_live_by_id
    ON a.id = members.member WHERE {live}"""

TEXT_COUNT = """SELECT count(*) FROM asset_fts CROSS JOIN asset a INDEXED BY asset_live_search
    ON a.search_rowid = asset_fts.rowid WHERE asset_fts MATCH :match AND {live}"""


def rows(keys):
    """The page's rows, read by id after the keys query found them."""
    return f"SELECT {COLUMNS} FROM asset a WHERE a.id IN ({keys})"


def tagged(slugs):
    """Count and keys of the tag-any search sorted by capture time."""
    return (
        TAGS_COUNT.format(slugs=slugs, live=LIVE),
        f"""SELECT a.id FROM asset a WHERE {LIVE} AND {TAGS.format(slugs=slugs)}
            ORDER BY coalesce(a.taken_at, a.created_at) DESC, a.id DESC LIMIT 51""",
    )


# Relevance with filters: the hits that pass the filters, then the scores of those alone;
# the count rides along as the last column.
FILTERED_RELEVANCE = """WITH found AS MATERIALIZED (SELECT a.id AS id, a.search_rowid AS seq
        FROM asset_fts CROSS JOIN asset a INDEXED BY asset_live_search
        ON a.search_rowid = asset_fts.rowid WHERE {where} AND asset_fts MATCH :match),
    scored AS (SELECT id, seq,
        8 * (seq IN (SELECT rowid FROM asset_fts WHERE asset_fts MATCH :title))
      + 4 * (seq IN (SELECT rowid FROM asset_fts WHERE asset_fts MATCH :tags))
      + 2 * (seq IN (SELECT rowid FROM asset_fts WHERE asset_fts MATCH :meta)) + 1 AS score
        FROM found)
    SELECT id, count(*) OVER () FROM scored ORDER BY score DESC, seq DESC, id DESC LIMIT 51"""


def searches():
    """Search key -> (count SQL, or None when the cursor carries it or the keys query
    returns it as its last column, keys SQL)."""
    relevance = """{hits} SELECT a.id FROM hits CROSS JOIN asset a INDEXED BY asset_live_search
        ON a.search_rowid = hits.hit_rowid WHERE {where}
        ORDER BY hits.score DESC, a.search_rowid DESC, a.id DESC LIMIT 51"""
    return {
        "text": (
            TEXT_COUNT.format(live=LIVE),
            relevance.format(hits=HITS, where=LIVE),
        ),
        "text_filters": (
            None,
            FILTERED_RELEVANCE.format(where=f"{LIVE} AND {TEXT_FILTERS}"),
        ),
        "filters": (
            f"SELECT count(*) FROM asset a INDEXED BY asset_live_facets WHERE {LIVE} AND {FILTERS}",
            f"""SELECT a.id FROM asset a WHERE {LIVE} AND {FILTERS}
                ORDER BY a.created_at DESC, a.id DESC LIMIT 51""",
        ),
        "tags": tagged("'hero', 'weigh-in'"),
        "broad_text": (
            TEXT_COUNT.format(live=LIVE),
            relevance.format(hits=HITS, where=LIVE),
        ),
        "broad_tags": tagged("'archive', 'fans'"),
        "deep": (
            None,
            f"""SELECT a.id FROM asset a
                WHERE {LIVE} AND (a.created_at, a.id) < (:after_created, :after_id)
                ORDER BY a.created_at DESC, a.id DESC LIMIT 51""",
        ),
    }


def bindings(p):
    """Named parameters of the SQL above, from the benchmark's input."""
    raw = p["cursor"]
    # The server's cursor: URL-safe base64 JSON of the sort keys and id of the last row.
    cursor = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    day = datetime.strptime(p["created_from"], "%Y-%m-%d").replace(tzinfo=timezone.utc)
    return {
        "from": int(day.timestamp() * 1000),
        "after_created": cursor["keys"][0],
        "after_id": bytes.fromhex(cursor["id"]),
        "match": None,
        "title": None,
        "tags": None,
        "meta": None,
    }


def run_once(db, count_sql, keys_sql, values, total):
    """One search: its total and the ids of its page."""
    if count_sql is not None:
        total = db.execute(count_sql, values).fetchone()[0]
    found = db.execute(keys_sql, values).fetchall()
    if count_sql is None and found and len(found[0]) > 1:
        total = found[0][-1]
    ids = [row[0] for row in found]
    page = db.execute(rows(", ".join("?" * min(len(ids), 50))), ids[:50]).fetchall()
    assert len(page) == min(len(ids), 50)
    return total, ids[:50]


def measure(db, plans, runs, warm_up, deep_total):
    """Times every search in rounds of one run each, as the server side is timed."""
    out = {key: {"ms": []} for key in plans}
    for run in range(warm_up + runs):
        for key, (count_sql, keys_sql, values) in plans.items():
            started = time.perf_counter()
            total, ids = run_once(db, count_sql, keys_sql, values, deep_total)
            took = time.perf_counter() - started
            if run >= warm_up:
                out[key]["ms"].append(took * 1000)
            out[key].update(total=total, ids=[i.hex() for i in ids])
    return out


def main():
    p = json.load(sys.stdin)
    uri = pathlib.Path(p["db"]).resolve().as_uri() + "?mode=ro"
    db = sqlite3.connect(uri, uri=True)
    values = bindings(p)
    words = {
        "text": p["text_word"],
        "text_filters": p["filter_word"],
        "broad_text": p["broad_word"],
    }
    plans = {}
    for key, (count_sql, keys_sql) in searches().items():
        word = words.get(key)
        prefix = f'"{word}"*' if word else None
        plans[key] = (
            count_sql,
            keys_sql,
            dict(
                values,
                match=prefix,
                title=f"{{title}} : ({prefix})",
                tags=f"{{tags}} : ({prefix})",
                meta=f"{{meta}} : ({prefix})",
            ),
        )
    out = measure(db, plans, p["runs"], p["warm_up"], p.get("deep_total"))
    json.dump(
        {
            "sqlite_version": sqlite3.sqlite_version,
            "python_version": platform.python_version(),
            "searches": out,
        },
        sys.stdout,
    )


main()
