"""Build the static site and publish it with an atomic swap.

Pages are generated into a fresh folder beside site/generated, `mkdocs build` (in-process, strict:
any warning such as a broken link fails the build) writes into a fresh folder beside site/public,
and only a complete build is renamed into place. A failed build leaves the last good site as it was.
Per-page work of the previous build (Markdown → HTML, search entries) is reused where a page is
unchanged (publish.build_cache, kept in site/build-cache/): the bytes are those of a full build.
Each build is a release (publish.releases): the latest one again when the public marts are
unchanged, else a new one, recorded in the release registry only once its site has built.
"""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

from ..settings import Settings, scoped_environ
from .build_cache import BuildCache
from .marts import load_marts
from .markup import environment
from .pages import generate_pages, read_nav
from .provenance import Release
from .releases import link_earlier_releases, plan_release, record_release, write_history_page

log = logging.getLogger(__name__)
BUILD_CACHE_DIR = "build-cache"  # beside generated/ and public/: per-page work reused by the next publish


class PublishError(RuntimeError):
    """The site could not be built; the previously published site is unchanged."""


def warm_up() -> None:
    """Load, ahead of a site build, what it needs before the marts exist: jieba's dictionary (~0.5 s,
    for the reports' search words and the search index) and the page templates (~0.2 s). runner.py
    calls this in a thread while dbt builds the marts, when the Dagster process mostly waits. Both
    load once per process and under their own locks: a build that starts first loads them itself.
    A failure here is only logged: the build meets it again and reports it where it belongs."""
    import jieba

    try:
        jieba.setLogLevel(logging.WARNING)  # its import turns its own logger to DEBUG
        jieba.initialize()
        templates = environment()
        for name in templates.list_templates():
            templates.get_template(name)
    except Exception as exc:
        log.warning("站点构建预加载失败（构建时重试）：%s", exc)


def build_site(mkdocs_yml: Path, docs_dir: Path, site_dir: Path, *, demo_data: bool, source_date_epoch: int,
               release: Release | None = None, cache_dir: Path | None = None) -> dict:
    """Run `mkdocs build` in-process on a generated docs tree.

    The navigation is the generated one (docs_dir/.nav.yml) followed by the static entries of
    mkdocs.yml's own `nav`. SOURCE_DATE_EPOCH is the data vintage, so the sitemap's dates and the
    gzip header of sitemap.xml.gz depend on the data only. `release` feeds the footer of every
    page (partials/gp-provenance.html). With `cache_dir`, pages whose Markdown is unchanged since
    an earlier build reuse its HTML and search entries (publish.build_cache: same bytes, less
    time). Returns the cache's hit and miss counts."""
    import jieba  # the search plugin's Chinese segmenter; its import turns its own logger to DEBUG

    jieba.setLogLevel(logging.WARNING)
    static_nav = (yaml.safe_load(mkdocs_yml.read_text(encoding="utf-8")) or {}).get("nav") or []
    with scoped_environ({"SOURCE_DATE_EPOCH": str(int(source_date_epoch)), "NO_MKDOCS_2_WARNING": "1"}):
        cfg = load_config(config_file=str(mkdocs_yml), docs_dir=str(docs_dir), site_dir=str(site_dir),
                          nav=read_nav(docs_dir) + static_nav, strict=True)
        cfg.extra["demo_data"] = bool(demo_data)
        cfg.extra["release"] = release
        cache = None
        if cache_dir is not None:
            cache = cfg.plugins["greenpark/build-cache"] = BuildCache(cache_dir)
        cfg.plugins.on_startup(command="build", dirty=False)
        try:
            build(cfg)
        except MkDocsException as exc:  # Abort is also a SystemExit: never let it end the caller
            raise PublishError(f"站点构建失败：{exc}") from exc
        finally:
            cfg.plugins.on_shutdown()
    if cache is None:
        return {}
    cache.save()
    return dict(cache.counts)


AT_FDCWD, RENAME_EXCHANGE = -100, 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0
    except (OSError, AttributeError):
        return False


def _swap_in(new: Path, target: Path) -> None:
    """Put `new` at `target`: one atomic exchange where the kernel offers it (readers never see a
    missing site), else two renames; the old tree is removed only after the new one is in."""
    if target.exists() and _exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)  # `new` now holds the old tree
        return
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".build-old-{target.name}-", dir=target.parent))
        old.rmdir()
        target.rename(old)
    new.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _tree_stats(root: Path) -> tuple[int, int, int]:
    files = [p for p in root.rglob("*") if p.is_file()]
    return (sum(1 for p in files if p.suffix == ".html"), len(files), sum(p.stat().st_size for p in files))


def publish_site(settings: Settings) -> dict:
    """Generate pages from the warehouse, build, and swap the result into settings.site_public_dir.

    Returns build figures and the release built: release_id, release_date, new_release (False when
    the marts are those of the latest release, which is then rebuilt byte for byte)."""
    start = time.perf_counter()
    marts = load_marts(settings.warehouse_path, disclosure_control=settings.disclosure_control)
    plan = plan_release(settings, marts)
    generated, public = settings.site_generated_dir, settings.site_public_dir
    generated.parent.mkdir(parents=True, exist_ok=True)
    public.parent.mkdir(parents=True, exist_ok=True)
    docs_tmp = Path(tempfile.mkdtemp(prefix=".build-generated-", dir=generated.parent))
    site_tmp = Path(tempfile.mkdtemp(prefix=".build-public-", dir=public.parent))
    for folder in (docs_tmp, site_tmp):  # mkdtemp makes 0700; a web server must read the site
        folder.chmod(0o755)
    try:
        static_docs = settings.site_project_dir / "docs"
        if static_docs.is_dir():
            shutil.copytree(static_docs, docs_tmp, dirs_exist_ok=True)
        counts = generate_pages(marts, docs_tmp, demo_data=settings.demo_data, release=plan.release)
        write_history_page(docs_tmp, plan)
        cache_counts = build_site(settings.site_project_dir / "mkdocs.yml", docs_tmp, site_tmp,
                                  demo_data=settings.demo_data, source_date_epoch=counts["source_date_epoch"],
                                  release=plan.release, cache_dir=generated.parent / BUILD_CACHE_DIR)
        link_earlier_releases(settings, plan, site_tmp)
        archive_start = time.perf_counter()
        if plan.is_new:
            record_release(settings, plan, site_tmp)
        archive_seconds = time.perf_counter() - archive_start
        _swap_in(site_tmp, public)
        _swap_in(docs_tmp, generated)
    except BaseException:
        shutil.rmtree(docs_tmp, ignore_errors=True)
        shutil.rmtree(site_tmp, ignore_errors=True)
        raise
    html_pages, files, size = _tree_stats(public)
    stats = {"pages": html_pages, "files": files, "bytes": size, "park_reports": counts["park_reports"],
             "release_id": plan.release.release_id, "release_date": plan.release.published.isoformat(),
             "new_release": plan.is_new, "release_summary": plan.entry["summary"],
             "archive_seconds": round(archive_seconds, 2), **cache_counts,
             "seconds": round(time.perf_counter() - start, 2)}
    log.info("站点已发布：%s", stats)
    return stats
