"""Reuse the per-page work of earlier site builds, so a publish after one changed file is quick and
still gives the bytes of a full build.

One resubmitted workbook changes the Markdown of a handful of generated pages, but `mkdocs build`
has no partial mode (`--dirty` leaves a stale nav, sitemap and search index), and a new release
changes the footer of every page anyway. Two thirds of a build is work that depends on one page's
own text only, so that work is cached here, content-addressed, through a plugin `site.build_site`
adds to every build:

- Markdown → HTML (`Page.render`, Python-Markdown): keyed by the page's Markdown, its place in the
  site, the Markdown configuration and the package versions. Rendering also resolves every link of
  the page against the site's files (and warns, which fails the strict build, when a target is
  missing); each lookup is recorded with its answer, and an entry is used only while every one of
  them still resolves the same way. A page that links to a renamed or removed file is rendered
  again, and fails the build again.
- its entries in the search index (Material's HTML parse and jieba's segmentation): keyed by the
  rendered HTML, table of contents, URL, title and metadata, the search configuration and versions.

Everything else is built in full every time: navigation, every page through the theme templates
(with the release footer), sitemap, the whole search index (entries in page order), anchor checks.
Entries are written only after a build succeeded; entries the build did not use are then removed,
so the cache holds one site's worth and cannot grow without bound.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from importlib import metadata
from pathlib import Path

from material.plugins.search.plugin import SearchIndex
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

log = logging.getLogger(__name__)

FORMAT = 1  # bump when what an entry holds, or how keys are made, changes
_SUFFIX = ".json"
_TMP = ".tmp-"


def _digest(*parts) -> str:
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _versions(*dists: str) -> dict[str, str]:
    out = {}
    for name in dists:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = ""
    return out


def _toc_tokens(items) -> list[dict]:
    """The tokens `mkdocs.structure.toc.get_toc` was built from (it keeps them as AnchorLinks)."""
    return [{"level": a.level, "id": a.id, "name": a.title, "children": _toc_tokens(a.children)} for a in items]


def _target(file) -> list | None:
    return None if file is None else [file.src_uri, file.url, file.inclusion.name]


class _RecordingFiles:
    """The site's Files as Page.render sees them, noting every path looked up and its answer."""

    def __init__(self, files):
        self._files = files
        self.lookups: dict[str, list | None] = {}

    def get_file_from_path(self, path: str):
        file = self._files.get_file_from_path(path)
        self.lookups[path] = _target(file)
        return file

    def __getattr__(self, name):
        return getattr(self._files, name)


class BuildCache(BasePlugin):
    """The mkdocs plugin: `site.build_site` adds it to a build, and calls `save` once the build succeeded."""

    def __init__(self, cache_dir: Path):
        super().__init__()
        self.dir = Path(cache_dir)
        self.used: set[str] = set()
        self.fresh: dict[str, str] = {}  # file name -> JSON text, written by save()
        self.counts = {"render_hits": 0, "render_misses": 0, "search_hits": 0, "search_misses": 0}
        self._render_salt = self._search_salt = ""

    # --- storage ----------------------------------------------------------------------------------
    def _load(self, kind: str, key: str):
        name = f"{kind}-{key}{_SUFFIX}"
        try:
            value = json.loads((self.dir / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):  # absent, or left half-written by a killed process: a miss
            return None
        self.used.add(name)
        return value

    def _stash(self, kind: str, key: str, value) -> None:
        name = f"{kind}-{key}{_SUFFIX}"
        self.used.add(name)
        self.fresh[name] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def save(self) -> None:
        """After a successful build: write the new entries, drop those this build did not use.
        The cache only saves time, so a failure here (disk full, a second publish pruning at the
        same moment) is logged and never fails the publish; an entry is written whole or not at all."""
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            for name, text in self.fresh.items():
                fd, tmp = tempfile.mkstemp(prefix=_TMP, dir=self.dir)
                try:
                    with os.fdopen(fd, "w", encoding="utf-8", errors="surrogatepass") as f:
                        f.write(text)
                    os.replace(tmp, self.dir / name)
                except BaseException:
                    Path(tmp).unlink(missing_ok=True)
                    raise
            stale = time.time() - 3600  # another process's half-written entry is younger than that
            for path in self.dir.iterdir():
                if path.name.startswith(_TMP) and path.stat().st_mtime > stale:
                    continue
                if path.name not in self.used:
                    path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("网站构建缓存未能写入（不影响本次发布）：%s", exc)

    # --- mkdocs events ----------------------------------------------------------------------------
    @event_priority(-100)  # after every other plugin's on_config, the search plugin's included
    def on_config(self, config):
        self._render_salt = _digest(
            FORMAT, _versions("mkdocs", "markdown", "pymdown-extensions"),
            [repr(e) if not isinstance(e, str) else e for e in config.markdown_extensions],
            config.mdx_configs, config.use_directory_urls, repr(config.validation))
        for name, plugin in config.plugins.items():
            index = getattr(plugin, "search_index", None)
            if type(index) is SearchIndex:  # Material's search plugin
                search = {k: plugin.config.get(k) for k in
                          ("lang", "separator", "pipeline", "fields", "jieba_dict", "jieba_dict_user")}
                self._search_salt = _digest(FORMAT, name, _versions("mkdocs-material", "jieba", "backrefs"), search)
                plugin.search_index = _CachedSearchIndex(self, **plugin.config)
        return config

    @event_priority(-100)  # the Markdown as the page will be rendered, after every other plugin
    def on_page_markdown(self, markdown, *, page, config, files):
        f = page.file
        key = _digest(self._render_salt, f.src_uri, f.dest_uri, f.url, f.inclusion.name, markdown)
        # For this build only (mkdocs makes new Page objects per build): render through the cache.
        page.render = lambda config, files: self._render(page, key, config, files)
        return markdown

    # --- the cached steps -------------------------------------------------------------------------
    def _render(self, page: Page, key: str, config, files) -> None:
        entry = self._load("render", key)
        if entry is not None and all(_target(files.get_file_from_path(p)) == t for p, t in entry["lookups"]):
            page.content = entry["content"]
            page.toc = get_toc(entry["toc"])
            page._title_from_render = entry["title"]
            page.present_anchor_ids = set(entry["anchors"])
            if entry["links_to_anchors"] is not None:
                page.links_to_anchors = {files.get_file_from_path(src): links
                                         for src, links in entry["links_to_anchors"]}
            self.counts["render_hits"] += 1
            return
        recording = _RecordingFiles(files)
        Page.render(page, config, recording)
        links = page.links_to_anchors if "links_to_anchors" in page.__dict__ else None
        self._stash("render", key, {
            "content": page.content, "toc": _toc_tokens(page.toc), "title": page._title_from_render,
            "anchors": sorted(page.present_anchor_ids), "lookups": sorted(recording.lookups.items()),
            "links_to_anchors": None if links is None else [[f.src_uri, dict(v)] for f, v in links.items()]})
        self.counts["render_misses"] += 1

    def search_entries(self, index: SearchIndex, page: Page) -> None:
        meta = {k: page.meta.get(k) for k in ("search", "tags", "title")}
        key = _digest(self._search_salt, page.url, page.title, meta, page.content, _toc_tokens(page.toc))
        cached = self._load("search", key)
        if cached is not None:
            index.entries.extend(cached)
            self.counts["search_hits"] += 1
            return
        start = len(index.entries)
        SearchIndex.add_entry_from_context(index, page)
        self._stash("search", key, index.entries[start:])
        self.counts["search_misses"] += 1


class _CachedSearchIndex(SearchIndex):
    """Material's search index, its entries per page taken from the cache when the page is unchanged."""

    def __init__(self, cache: BuildCache, **config):
        super().__init__(**config)
        self._cache = cache

    def add_entry_from_context(self, page):
        self._cache.search_entries(self, page)
