"""`greenpark`: the command line. Thin: parses arguments and calls the modules that do the work."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import signal
import sys
import time
from pathlib import Path

import click

from .settings import SettingsError, get_settings

EXIT_FAILURE = 3  # the run itself failed (distinct from validate's 0/1/2 verdicts)
EXIT_CONFIG = 2  # an environment variable holds an unusable value (like a wrong option)


def _echo_json(payload) -> None:
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))


class _Main(click.Group):
    """A bad environment variable ends any command with its name and exit code 2, not a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SettingsError as exc:
            click.echo(str(exc), err=True)
            ctx.exit(EXIT_CONFIG)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="greenpark")
def main() -> None:
    """浙江省绿色低碳工业园区 数据仓库与信息公开(greenpark)。

    报送文件放在 sources/inbox/<城市代码>/,反馈写到 sources/outbox/<城市代码>/,
    公开网站生成在 site/public/。GREENPARK_WORKDIR 可把这些数据目录整体移到别处。
    """


@main.command()
@click.option("--size", type=click.Choice(["demo", "province", "national"]), default="demo", show_default=True,
              help="demo:61 个真实园区两年;province:130 个园区 55,000 家企业;national:2,500 个园区 50 万家企业。")
@click.option("--year", "years", type=int, multiple=True, help="报送年份,可重复;默认 2024 和 2025。")
@click.option("--seed", type=int, default=20220324, show_default=True, help="随机种子(同一种子生成相同数据)。")
@click.option("--no-errors", is_flag=True, help="不注入故意填错的单元格。")
@click.option("--resubmit", is_flag=True,
              help="第二轮:在原目录中改正被退回的文件,修订一个已接收文件,并送来下一年第一季度的一个有错文件(在 greenpark run 之后使用)。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出生成清单。")
def demo(size: str, years: tuple[int, ...], seed: int, no_errors: bool, resubmit: bool, as_json: bool) -> None:
    """生成示例数据(示例数据):各市季度报送工作簿放入各市报送目录。"""
    from .demo.generator import generate
    from .demo.generator import resubmit as resubmit_demo

    settings = get_settings()
    started = time.perf_counter()
    if resubmit:
        manifest = resubmit_demo(settings.inbox_dir, seed=seed, settings=settings)
        if as_json:
            _echo_json(manifest)
            return
        click.echo(f"示例数据第二轮报送:改正 {len(manifest['corrected'])} 个被退回的文件,"
                   f"修订 {len(manifest['revised'])} 个已接收文件,另有 {len(manifest['rejected'])} 个新文件含错误(将被退回)。")
        for item in manifest["corrected"] + manifest["revised"] + manifest["rejected"]:
            click.echo(f"  {item['path']}")
        return
    manifest = generate(
        settings.inbox_dir, size=size, years=years or (2024, 2025), seed=seed,
        inject_errors=not no_errors, settings=settings,
    )
    if size == "demo":  # 动态管理 decisions of every type, so the first run's bulletin and console show them
        from .demo.decisions import record_demo_decisions

        manifest["n_decisions"] = record_demo_decisions(settings)
    if as_json:
        _echo_json(manifest)
        return
    click.echo(
        f"示例数据已生成:{manifest['n_files']} 个工作簿,{manifest['n_parks']} 个园区,"
        f"{manifest['n_enterprises']} 家企业,用时 {time.perf_counter() - started:.1f} 秒。"
    )
    click.echo(f"位置:{settings.inbox_dir}")
    if manifest.get("n_decisions"):
        click.echo(f"已记录 {manifest['n_decisions']} 条示例动态管理决定(greenpark designations list 查看)。")
    for err in manifest.get("injected_errors", []):
        click.echo(f"  故意填错:{err['file']} {err['sheet']} 第 {err['excel_row']} 行 {err['column_header']}")


@main.command()
@click.argument("city")
@click.argument("year", type=int)
@click.argument("quarter", type=click.IntRange(1, 4))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="输出文件;默认当前目录下 <城市代码>_<年>Q<季>.xlsx。")
def template(city: str, year: int, quarter: int, output: Path | None) -> None:
    """生成空白报送模板:表头、单位、下拉选项、本市园区已预填。"""
    from .submission.contract import submission_filename
    from .workbook_template import write_template
    from .registry import load_parks

    parks = load_parks(get_settings())
    city_parks = parks[parks.city_code == city]
    if city_parks.empty:
        raise click.BadParameter(f"城市代码 {city} 不在园区名录中。", param_hint="CITY")
    path = output or Path(submission_filename(city, year, quarter))
    write_template(path, city, year, quarter, city_parks)
    click.echo(f"模板已生成:{path}({len(city_parks)} 个园区已预填)")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--city", help="报送目录所属城市代码(默认取文件名中的城市)。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出(与反馈包中的 JSON 相同)。")
def validate(file: Path, city: str | None, as_json: bool) -> None:
    """离线校验一个报送文件,规则与流水线完全相同。

    退出码:0 可接收;1 可接收但有警告;2 将被退回或无法读取。
    """
    from .intake.warehouse import connect
    from .intake.workbook import parse_workbook
    from .quality.feedback import findings_payload, format_findings_text
    from .submission.findings import exit_code_of, status_of
    from .quality.history import load_history
    from .quality.validation import Validator

    settings = get_settings()
    parsed = parse_workbook(file, limits=settings.file_limits)
    history = None
    # Cross-file rules compare with the last accepted quarters when a warehouse is at hand.
    if parsed.year is not None and settings.warehouse_path.exists():
        with connect(settings.warehouse_path, read_only=True, wait_seconds=settings.lock_wait_s) as con:
            history = load_history(con, city or parsed.city_code, parsed.year, parsed.quarter)
    findings = Validator(settings).validate(parsed, expected_city=city, history=history)
    status = status_of(findings)
    if as_json:
        version = {"version_id": None, "city_code": city or parsed.city_code, "year": parsed.year,
                   "quarter": parsed.quarter, "filename": file.name, "status": status}
        _echo_json(findings_payload(version, findings))
    else:
        click.echo(format_findings_text(findings, filename=file.name, status=status))
    sys.exit(exit_code_of(findings))


# Dagster's console chatter (and the stack trace of every rejected slice) stays out of the
# terminal: the summary below names failures, and the full logs are in the instance.
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def _execute(keys: list[str] | None, as_json: bool, publish: bool = True) -> None:
    from .dbt_process import parsed_ahead
    from .intake.warehouse import exclusive_run

    settings = get_settings()
    started = time.perf_counter()

    def progress(slices):
        if as_json or not slices:
            yield from slices
            return
        with click.progressbar(slices, label="校验各市季度报送", show_pos=True,
                               item_show_func=lambda k: k or "", file=sys.stderr) as bar:
            yield from bar

    # dbt's own log, which dagster-dbt echoes to stdout, goes to a file: stdout is for our summary.
    run_log = settings.workdir / "logs" / "last_run.log"
    run_log.parent.mkdir(parents=True, exist_ok=True)
    # CLI runs bypass Dagster's run queue, and dbt opens the warehouse itself: one run at a time.
    # A first run in this work dir parses the dbt project meanwhile (dbt_process.py), started
    # before Dagster is imported: that import is what the parse overlaps.
    with exclusive_run(settings.warehouse_path, wait_seconds=settings.lock_wait_s), \
            (parsed_ahead(settings) if publish else contextlib.nullcontext()):
        from .dagster_home import open_instance
        from .definitions import build_definitions
        from .runner import run_pipeline

        defs = build_definitions(settings)
        with open_instance(settings) as instance, run_log.open("w", encoding="utf-8") as log, \
                contextlib.redirect_stdout(log):
            if not as_json:
                click.echo("拉取各市报送目录中的新文件…", err=True)
            result = run_pipeline(defs, settings, instance, partition_keys=keys, publish=publish,
                                  progress=progress, run_config=QUIET_RUN_CONFIG)
    summary = _run_summary(settings, result, time.perf_counter() - started)
    if as_json:
        _echo_json(summary)
    else:
        click.echo(f"运行{'成功' if summary['success'] else '失败'},用时 {summary['seconds']:.1f} 秒"
                   f"(拉取 {result.seconds.get('pull', 0):.1f} 秒,校验 {result.seconds.get('intake', 0):.1f} 秒,"
                   f"转换与发布 {result.seconds.get('publish', 0):.1f} 秒:dbt {result.seconds.get('dbt', 0):.1f},"
                   f"网站 {result.seconds.get('site', 0):.1f})")
        click.echo(f"报送版本:{summary['versions']}")
        if result.rejected_slices:
            click.echo(f"被退回的城市季度(上一接收版本继续有效):{', '.join(result.rejected_slices)}")
        for failure in result.failures:
            click.echo(f"失败:{failure['job']} {failure['partition'] or ''} {failure['step']}:{failure['message']}", err=True)
        click.echo(f"反馈包:{settings.outbox_dir}")
        click.echo(f"运行日志(含 dbt 输出):{run_log}")
        if publish:
            click.echo(f"公开网站:{settings.site_public_dir / 'index.html'}")
    sys.exit(0 if summary["success"] else EXIT_FAILURE)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出运行摘要。")
def run(as_json: bool) -> None:
    """在 Dagster 中(进程内)运行完整流水线:拉取 → 校验与反馈 → dbt → 发布网站。

    每个有待处理版本的城市季度各为一次分区运行;退回的分区被阻断,其他分区照常。
    退出码:0 成功(含被退回的报送);3 运行失败。
    """
    _execute(None, as_json)


@main.command()
@click.option("--year", type=int, required=True, help="补跑的年份。")
@click.option("--city", "cities", multiple=True, help="只补跑这些城市(可重复);默认全部城市。")
@click.option("--no-publish", is_flag=True, help="只补跑校验分区,不重建数据集市和网站。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出运行摘要。")
def backfill(year: int, cities: tuple[str, ...], no_publish: bool, as_json: bool) -> None:
    """补跑一年:该年每个城市季度分区各运行一次,然后重建数据集市和网站。"""
    from .partitions import year_slice_keys

    keys = year_slice_keys(get_settings(), year, cities)
    if not keys:
        raise click.BadParameter(f"{year} 年没有可补跑的分区。", param_hint="--year")
    _execute(keys, as_json, publish=not no_publish)


def _run_summary(settings, result, seconds: float) -> dict:
    from .intake.warehouse import connect

    versions = {}
    if settings.warehouse_path.exists():
        with connect(settings.warehouse_path, read_only=True, wait_seconds=settings.lock_wait_s) as con:
            versions = dict(con.execute("SELECT status, count(*) FROM submission_versions GROUP BY 1 ORDER BY 1").fetchall())
    return {"success": result.success, "seconds": round(seconds, 2), "stage_seconds": result.seconds,
            "versions": versions, "prepared_by_helper": result.prepared_by_helper,
            "prepared_while_waiting": result.prepared_while_waiting,
            "rejected_slices": result.rejected_slices, "failures": result.failures, "runs": result.runs, "site_dir": str(settings.site_public_dir), "outbox_dir": str(settings.outbox_dir)}


@main.command()
@click.option("--interval", type=float, default=5.0, show_default=True, help="查看报送目录的间隔(秒)。")
@click.option("--publish-after", type=float, default=60.0, show_default=True,
              help="最后一个新文件之后静候多少秒再重建数据集市和网站。")
@click.option("--once", is_flag=True, help="处理当前所有新文件并发布一次后退出。")
def watch(interval: float, publish_after: float, once: bool) -> None:
    """常驻:盯住各市报送目录,新文件到达后数秒内完成校验并写出反馈,空闲后重建网站。

    进程常驻,Dagster、dbt 与 Great Expectations 只加载一次,所以单个文件的反馈不必等冷启动。
    每一步仍是记录在 Dagster 实例中的运行(界面可见)。Ctrl+C 结束。
    """

    from .dagster_home import open_instance
    from .definitions import build_definitions
    from .intake.drop_scan import scan_drops
    from .intake.warehouse import STATUS_PENDING, WarehouseBusyError, connect, exclusive_run
    from .publish.site import warm_up
    from .registry import load_cities
    from .resources import ValidatorResource
    from .runner import run_pipeline

    settings = get_settings()
    # Stopped like Ctrl+C by a service manager's SIGTERM, even when started with SIGTERM ignored
    # (a process inherits that): the round in progress ends, the lock is released, "已停止".
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    defs = build_definitions(settings)
    ValidatorResource().get(settings)  # pay the GX import before the first file arrives
    warm_up()  # and the site builder's dictionary and templates before the first publish
    run_log = settings.workdir / "logs" / "watch.log"
    run_log.parent.mkdir(parents=True, exist_ok=True)
    click.echo(f"正在盯住 {len(load_cities(settings))} 个城市的报送目录(每 {interval:g} 秒)…", err=True)
    seen: dict[str, str] = {}
    reported: set[str] = set()
    if settings.warehouse_path.exists():
        with connect(settings.warehouse_path, read_only=True, wait_seconds=settings.lock_wait_s) as con:
            reported = {v for (v,) in con.execute("SELECT version_id FROM submission_versions").fetchall()}
    last_change = dirty = None
    ready = False
    # The run lock is held for one round at a time, not the whole session: between rounds a CLI
    # run, the portal and a 动态管理 decision can use the warehouse.
    with open_instance(settings) as instance, run_log.open("a", encoding="utf-8") as log:
        try:
            while True:
                changed, scanned = scan_drops(load_cities(settings), seen)
                try:
                    if changed:
                        started = time.perf_counter()
                        with exclusive_run(settings.warehouse_path, wait_seconds=settings.lock_wait_s), contextlib.redirect_stdout(log):
                            run_pipeline(defs, settings, instance, publish=False, run_config=QUIET_RUN_CONFIG)
                        with connect(settings.warehouse_path, read_only=True, wait_seconds=settings.lock_wait_s) as con:
                            rows = con.execute("SELECT version_id, status, n_fatal + n_error, n_warning "
                                               "FROM submission_versions WHERE status <> ? ORDER BY version_id",
                                               [STATUS_PENDING]).fetchall()
                        new = [row for row in rows if row[0] not in reported]
                        for version_id, status, errors, warnings_ in new:
                            reported.add(version_id)
                            click.echo(f"{version_id}:{status}(错误 {errors},警告 {warnings_}),"
                                       f"反馈已写入 {settings.outbox_dir / version_id.split('-')[0]}")
                        if new:
                            click.echo(f"本轮 {len(new)} 个新版本,用时 {time.perf_counter() - started:.1f} 秒", err=True)
                            last_change, dirty = time.monotonic(), True
                    seen = scanned
                    if not ready:
                        click.echo("已就绪,等待新文件…", err=True)
                        ready = True
                    if dirty and (once or time.monotonic() - last_change >= publish_after):
                        started = time.perf_counter()
                        with exclusive_run(settings.warehouse_path, wait_seconds=settings.lock_wait_s), contextlib.redirect_stdout(log):
                            result = defs.resolve_job_def("publish").execute_in_process(
                                instance=instance, raise_on_error=False, run_config=QUIET_RUN_CONFIG)
                        outcome = "已更新" if result.success else "更新失败(见 Dagster 界面)"
                        click.echo(f"网站{outcome},用时 {time.perf_counter() - started:.1f} 秒")
                        dirty = False
                except WarehouseBusyError as exc:  # another run kept the warehouse: retry next round
                    click.echo(f"{exc};下一轮重试", err=True)
                if once:
                    return
                time.sleep(interval)
        except KeyboardInterrupt:
            click.echo("已停止。", err=True)


@main.group()
def site() -> None:
    """公开网站:构建、历史版本与本地浏览。"""


@site.command("build")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出构建结果(含版本号)。")
def site_build(as_json: bool) -> None:
    """仅从现有数据集市重新生成并发布网站(不重新拉取和转换)。

    数据集市有变化时生成一个新版本(版本号:发布年份.当年序号);没有变化时重建当前版本。
    退出码:0 已发布;3 构建失败(已发布的网站不变)。
    """
    from .publish.site import PublishError, publish_site

    settings = get_settings()
    try:
        stats = publish_site(settings)
    except PublishError as exc:  # the published site and the release registry are unchanged
        failure = click.ClickException(f"{exc}(已发布的网站和版本档案保持不变)")
        failure.exit_code = EXIT_FAILURE
        raise failure from exc
    if as_json:
        _echo_json(stats)
        return
    if stats["new_release"]:
        click.echo(f"已生成新版本 {stats['release_id']}({stats['release_date']}):{stats['release_summary']}")
    else:
        click.echo(f"无变化，未生成新版本(当前版本 {stats['release_id']},{stats['release_date']} 发布)")
    click.echo(f"网站已发布:{stats['pages']} 个页面,{stats['files']} 个文件,用时 {stats['seconds']:.1f} 秒"
               f"(其中归档本版本 {stats['archive_seconds']:.1f} 秒)。{settings.site_public_dir / 'index.html'}")


@site.command("releases")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出全部版本(含版本说明和文件清单)。")
def site_releases(as_json: bool) -> None:
    """列出已发布的版本:版本号、发布日期与主要变化。"""
    from .publish.releases import load_registry

    settings = get_settings()
    entries = load_registry(settings.releases_dir)
    if as_json:
        _echo_json(entries)
        return
    if not entries:
        click.echo("还没有发布过版本:请先运行 greenpark run 或 greenpark site build。")
        return
    for entry in reversed(entries):
        click.echo(f"{entry['release_id']}\t{entry['published']}\t{entry['summary']}")
    click.echo(f"版本档案:{settings.releases_dir}")


@site.command("serve")
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--bind", default="127.0.0.1", show_default=True, help="局域网发布时可设为 0.0.0.0。")
def site_serve(port: int, bind: str) -> None:
    """在本机浏览已发布的网站(只读静态文件)。"""
    root = get_settings().site_public_dir
    if not (root / "index.html").exists():
        raise click.ClickException(f"尚未发布网站:{root} 不存在。请先运行 greenpark run。")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    with http.server.ThreadingHTTPServer((bind, port), handler) as server:
        click.echo(f"网站:http://{bind}:{port}/ (Ctrl+C 结束)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


@main.command()
@click.option("--city", help="只列出该城市的版本。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def versions(city: str | None, as_json: bool) -> None:
    """列出报送版本:状态、是否有效、错误与警告数。"""
    from .intake.warehouse import connect

    settings = get_settings()
    if not settings.warehouse_path.exists():
        raise click.ClickException("还没有数据仓库:请先运行 greenpark run。")
    with connect(settings.warehouse_path, read_only=True, wait_seconds=settings.lock_wait_s) as con:
        rows = con.execute(
            """SELECT version_id, filename, received_at, status, in_force, n_fatal, n_error, n_warning
               FROM submission_versions WHERE ? IS NULL OR city_code = ? ORDER BY version_id""",
            [city, city],
        ).df()
    if as_json:
        _echo_json(rows.to_dict(orient="records"))
    else:
        click.echo(rows.to_string(index=False) if len(rows) else "没有报送版本。")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="局域网服务时设为本机局域网地址或 0.0.0.0(建议置于反向代理之后)。")
@click.option("--port", type=int, default=8800, show_default=True)
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True,
              help="信任其 X-Forwarded-For / X-Forwarded-Proto 的反向代理地址(逗号分隔)。")
def portal(host: str, port: int, forwarded_allow_ips: str) -> None:
    """启动报送门户:各市在浏览器中上传季度文件、几秒内看到审核结果(Ctrl+C 结束)。

    账号用 greenpark users 管理;数据仓库忙(流水线运行中)时上传先归档、排队审核。
    """
    import uvicorn

    from .portal.app import create_app

    settings = get_settings()
    from .portal.accounts import list_users
    from .portal.store import open_store

    if not list_users(open_store(settings)):
        click.echo("提示:还没有账号,请先用 greenpark users add 创建。", err=True)
    click.echo(f"报送门户:http://{host}:{port}/ (Ctrl+C 结束)", err=True)
    uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=True,
                forwarded_allow_ips=forwarded_allow_ips, limit_concurrency=200, timeout_keep_alive=5,
                server_header=False, log_level="warning")


@main.group()
def users() -> None:
    """报送门户账号:市级用户只能看本市,省级用户只读查看各市。"""


def _store():
    from .portal.store import open_store

    return open_store(get_settings())


def _password_from_stdin_or_generated() -> tuple[str, bool]:
    """A password piped on stdin, or (when stdin is a terminal or empty) a generated one."""
    from .portal.accounts import generate_password

    if not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\r\n")
        if line:
            return line, False
    return generate_password(), True


def _account_call(fn, *args, **kwargs):
    from .portal.accounts import AccountError

    try:
        return fn(*args, **kwargs)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None


@users.command("add")
@click.argument("name")
@click.option("--city", help="城市代码(市级用户,只能看和报本市)。")
@click.option("--province", is_flag=True, help="省级用户(只读查看各市)。")
def users_add(name: str, city: str | None, province: bool) -> None:
    """新建用户。密码从标准输入读取一行;没有输入时生成随机密码并只显示这一次。"""
    from .portal.accounts import add_user
    from .registry import city_names

    if city and city not in city_names(get_settings()):
        raise click.BadParameter(f"城市代码 {city} 不在园区名录中。", param_hint="--city")
    password, generated = _password_from_stdin_or_generated()
    user = _account_call(add_user, _store(), name, password, city_code=city, province=province)
    click.echo(f"已创建用户 {user.name}({'省级' if user.is_province else '市级 ' + user.city_code})")
    if generated:
        click.echo(f"初始密码(只显示这一次):{password}")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def users_list(as_json: bool) -> None:
    """列出用户(不含密码和令牌)。"""
    from .portal.accounts import list_users

    rows = list_users(_store())
    if as_json:
        _echo_json(rows)
        return
    for r in rows:
        role = "省级" if r["role"] == "province" else f"市级 {r['city_code']}"
        click.echo(f"{r['name']}\t{role}\t{'已停用' if r['disabled'] else '正常'}\t有效令牌 {r['tokens']} 个\t创建于 {r['created_at']}")
    if not rows:
        click.echo("没有用户。")


@users.command("disable")
@click.argument("name")
def users_disable(name: str) -> None:
    """停用用户:不能再登录,已登录的会话和 API 令牌立即失效。"""
    from .portal.accounts import disable_user

    _account_call(disable_user, _store(), name)
    click.echo(f"已停用 {name}")


@users.command("reset")
@click.argument("name")
def users_reset(name: str) -> None:
    """重设密码(标准输入一行,或生成并只显示一次);已登录的会话失效,停用的用户恢复。"""
    from .portal.accounts import reset_password

    password, generated = _password_from_stdin_or_generated()
    _account_call(reset_password, _store(), name, password)
    click.echo(f"已重设 {name} 的密码")
    if generated:
        click.echo(f"新密码(只显示这一次):{password}")


@users.command("token")
@click.argument("name")
@click.option("--revoke", is_flag=True, help="吊销该用户的全部 API 令牌。")
def users_token(name: str, revoke: bool) -> None:
    """发放一个 API 令牌(只显示这一次,库中只存其摘要),或用 --revoke 吊销全部令牌。"""
    from .portal.accounts import issue_token, revoke_tokens

    if revoke:
        n = _account_call(revoke_tokens, _store(), name)
        click.echo(f"已吊销 {name} 的 {n} 个令牌")
        return
    token = _account_call(issue_token, _store(), name)
    click.echo(f"{name} 的 API 令牌(只显示这一次,请妥善保存):")
    click.echo(token)


@main.command()
@click.option("--port", type=int, default=3000, show_default=True)
def ui(port: int) -> None:
    """启动 Dagster 界面(dagster dev),数据组在此查看运行、校验与资产。"""
    from .dagster_home import ensure_dagster_home

    settings = get_settings()
    ensure_dagster_home(settings)
    # The dagster beside this Python, so `.venv/bin/greenpark ui` works without an activated venv.
    beside = Path(sys.executable).parent / "dagster"
    dagster = str(beside) if beside.exists() else "dagster"
    os.execvpe(dagster, [dagster, "dev", "-m", "greenpark.definitions", "-p", str(port)], settings.tool_environment())


# ---- 动态管理 decisions (greenpark designations …) ------------------------------------------

EXIT_REFUSED = 1  # the decision was refused (message says why); 2 = wrong usage (click), 3 = warehouse busy


@main.group()
def designations() -> None:
    """动态管理决定:认定、复查、现场核查、撤销认定、恢复认定(只追加记录,更正用 --corrects)。

    每条记录写入数据仓库 park_decisions 表,记下记录人和记录时间;下一次 greenpark run
    把它们带入数据集市和园区信息公告(公开:类型、日期、文号、结论、原因;不公开核查人员姓名、
    核查发现和记录人)。

    与省级工作台相同:流水线运行(greenpark run / backfill,或 greenpark watch 处理新文件的那一轮)占用数据仓库时,
    最多等待 10 秒,仍被占用则不记录。
    退出码:0 已记录;1 被拒绝(说明原因);2 用法错误;3 数据仓库被占用,未记录。
    """


def _decision_options(func):
    for option in reversed([
        click.argument("park_code"),
        click.option("--date", "date_text", required=True, help="决定(或核查)日期,YYYY-MM-DD。"),
        click.option("--by", "recorded_by", default=None,
                     help="记录人(默认取环境变量 GREENPARK_USER,否则为系统用户名)。"),
        click.option("--corrects", "corrects", type=int, default=None,
                     help="更正第 N 条记录:新记录取代它,原记录保留在历史中。"),
        click.option("--json", "as_json", is_flag=True, help="以 JSON 输出写入的记录。"),
    ]):
        func = option(func)
    return func


def _record_decision(as_json: bool, date_text: str, recorded_by: str | None, **fields) -> None:
    import getpass

    from .management.decisions import Decision, DecisionBusy, DecisionError, parse_date, record_for

    settings = get_settings()
    try:
        decision = Decision(decision_date=parse_date(date_text),
                            recorded_by=recorded_by or settings.user or getpass.getuser(), **fields)
        row = record_for(settings, decision)  # the console's policy: the run lock, a bounded wait
    except DecisionError as exc:
        click.echo(f"未记录:{exc}", err=True)
        sys.exit(EXIT_REFUSED)
    except DecisionBusy as exc:
        click.echo(f"未记录:{exc}", err=True)
        sys.exit(EXIT_FAILURE)
    if as_json:
        _echo_json(row)
    else:
        from .designations import decision_types

        kind = decision_types(settings.dbt_project_dir / "seeds")[row["decision_type"]]
        corrects = f"(更正第 {row['corrects_decision_id']} 条)" if row["corrects_decision_id"] else ""
        click.echo(f"已记录第 {row['decision_id']} 条:{row['park_code']} {kind}"
                   f" {row['decision_date']}{corrects}。下一次 greenpark run 后在园区信息公告中公开。")


@designations.command("add")
@_decision_options
@click.option("--batch", "batch_year", type=int, default=None, help="认定批次年份(默认为决定日期的年份)。")
@click.option("--doc", "document_no", required=True, help="认定文件文号。")
def designations_add(park_code, date_text, recorded_by, corrects, as_json, batch_year, document_no) -> None:
    """记录园区被认定为绿色低碳工业园区(批次、日期、文号)。"""
    _record_decision(as_json, date_text, recorded_by, park_code=park_code, decision_type="designation",
                     batch_year=batch_year, document_no=document_no, corrects_decision_id=corrects)


@designations.command("revoke")
@_decision_options
@click.option("--reason-category", required=True, help="撤销原因类别:弄虚作假 / 瞒报事故 / 环境污染 / 复查不合格 / 其他。")
@click.option("--reason", "reason_text", required=True, help="撤销原因说明(将公开)。")
@click.option("--doc", "document_no", required=True, help="撤销文件文号。")
def designations_revoke(park_code, date_text, recorded_by, corrects, as_json, reason_category, reason_text, document_no) -> None:
    """记录撤销认定,含原因类别和原因说明(公开)。"""
    _record_decision(as_json, date_text, recorded_by, park_code=park_code, decision_type="revocation",
                     reason_category=reason_category, reason_text=reason_text, document_no=document_no,
                     corrects_decision_id=corrects)


@designations.command("restore")
@_decision_options
@click.option("--reason", "reason_text", required=True, help="恢复认定的依据(将公开)。")
@click.option("--doc", "document_no", required=True, help="恢复认定文件文号。")
def designations_restore(park_code, date_text, recorded_by, corrects, as_json, reason_text, document_no) -> None:
    """记录恢复被撤销的认定。"""
    _record_decision(as_json, date_text, recorded_by, park_code=park_code, decision_type="restoration",
                     reason_text=reason_text, document_no=document_no, corrects_decision_id=corrects)


@designations.command("review")
@_decision_options
@click.option("--outcome", required=True, help="复查结论:通过 / 限期整改 / 不通过。")
@click.option("--note", "reason_text", default=None, help="复查说明(将公开)。")
@click.option("--doc", "document_no", default=None, help="复查结果文件文号。")
def designations_review(park_code, date_text, recorded_by, corrects, as_json, outcome, reason_text, document_no) -> None:
    """记录复查结果。复查不通过并撤销认定时,另用 revoke(原因类别:复查不合格)。"""
    _record_decision(as_json, date_text, recorded_by, park_code=park_code, decision_type="review",
                     outcome=outcome, reason_text=reason_text, document_no=document_no, corrects_decision_id=corrects)


@designations.command("inspect")
@_decision_options
@click.option("--inspector", "inspectors", multiple=True, required=True, help="核查人员姓名,可重复(不公开)。")
@click.option("--findings", "findings_text", required=True, help="核查发现(不公开)。")
@click.option("--outcome", required=True, help="核查结论:未发现问题 / 责令整改 / 建议撤销认定(公开)。")
@click.option("--note", "reason_text", default=None, help="公开的核查说明。")
def designations_inspect(park_code, date_text, recorded_by, corrects, as_json, inspectors, findings_text, outcome, reason_text) -> None:
    """记录一次现场核查:日期、核查人员、核查发现和结论。"""
    _record_decision(as_json, date_text, recorded_by, park_code=park_code, decision_type="site_inspection",
                     inspectors=list(inspectors), findings_text=findings_text, outcome=outcome, reason_text=reason_text,
                     corrects_decision_id=corrects)


@designations.command("demo")
def designations_demo() -> None:
    """记录示例决定(示例数据:每种决定类型各一例,含一条更正);已有任何记录时不写入。"""
    from .demo.decisions import record_demo_decisions

    n = record_demo_decisions(get_settings())
    if not n:
        click.echo("已有动态管理决定记录,未写入示例决定。")
        return
    click.echo(f"已记录 {n} 条示例决定(示例数据)。下一次 greenpark run 后在园区信息公告中公开。")


@designations.command("list")
@click.option("--park", "park_code", default=None, help="只列出该园区的记录。")
@click.option("--all", "include_corrected", is_flag=True, help="也列出已被更正的记录。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出(含内部字段:核查人员、核查发现、记录人)。")
def designations_list(park_code: str | None, include_corrected: bool, as_json: bool) -> None:
    """列出已记录的动态管理决定(初始名单 park_designations 不在其中)。"""
    from .designations import decision_types
    from .intake.warehouse import connect, table_names
    from .management.decisions import as_records, listing

    settings = get_settings()
    if not settings.warehouse_path.exists():
        raise click.ClickException("还没有数据仓库:请先运行 greenpark run 或记录一条决定。")
    with connect(settings.warehouse_path, read_only=True, wait_seconds=settings.lock_wait_s) as con:
        rows = (listing(con, decision_types(settings.dbt_project_dir / "seeds"), park_code=park_code,
                        include_corrected=include_corrected)
                if "park_decisions" in table_names(con) else None)
    if as_json:
        _echo_json([] if rows is None else as_records(rows))
    elif rows is None or rows.empty:
        click.echo("没有已记录的动态管理决定。")
    else:
        shown = rows[["decision_id", "park_code", "decision_type_zh", "decision_date", "document_no", "outcome",
                      "reason_category", "reason_text", "corrects_decision_id", "corrected_by_decision_id",
                      "recorded_by", "recorded_at"]]
        click.echo(shown.to_string(index=False))


if __name__ == "__main__":
    main()
