-- Every submission version the intake registered, with its acceptance as booleans.
with versions as (
    select * from {{ source('intake', 'submission_versions') }}
)

select
    version_id,
    city_code,
    cast(year as integer) as year,
    cast(quarter as integer) as quarter,
    cast(version_no as integer) as version_no,
    sha256,
    filename,
    size_bytes,
    received_at,
    archive_path,
    status,
    coalesce(in_force, false) as in_force,
    status in ('已接收', '已接收但有警告') as is_accepted,
    status in ('退回', '无法读取') as is_rejected,
    n_fatal,
    n_error,
    n_warning
from versions
