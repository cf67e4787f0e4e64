"""报送门户: the web door through which city bureaus hand in their quarterly workbooks.

It is a door, not a second intake: an upload's bytes are archived and registered by the same
functions a dropped file goes through (intake/archive.py), and a copy lands in the city's drop
location so the sensor and `greenpark run` process it like any drop. The portal itself only adds
what a browser needs: accounts and sessions (its own SQLite file, never the DuckDB warehouse,
which has one writer at a time), pages, a JSON API, and findings within seconds from one warm
validator kept in the process.
"""
