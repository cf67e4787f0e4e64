"""The public MkDocs site, built from the marts and swapped in atomically.

Its inputs are the marts, which only the dbt manifest names: `build_public_site` takes their keys
from the definitions (definitions.py), so importing this module reads nothing.
"""

import dagster as dg

from ..publish.site import publish_site
from ..resources import SettingsResource

SITE_KEY = dg.AssetKey("public_site")


def build_public_site(marts: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        key=SITE_KEY,
        group_name="publish",
        kinds={"mkdocs"},
        deps=marts,
        description="公开网站(MkDocs Material,中文,离线可用):各园区年度绿色低碳发展报告、园区信息公告、方法说明、开放数据与历史版本。数据集市有变化时生成新版本(元数据 release_id)。",
    )
    def public_site(context: dg.AssetExecutionContext, settings: SettingsResource) -> dg.MaterializeResult:
        stats = publish_site(settings)
        context.log.info(f"网站已发布到 {settings.site_public_dir}:"
                         + (f"新版本 {stats['release_id']}({stats['release_summary']})" if stats["new_release"]
                            else f"无变化，未生成新版本(当前版本 {stats['release_id']})"))
        metadata = {k: v for k, v in stats.items() if isinstance(v, (int, float, str))}
        return dg.MaterializeResult(metadata={**metadata, "site_dir": dg.MetadataValue.path(str(settings.site_public_dir))})

    return public_site
