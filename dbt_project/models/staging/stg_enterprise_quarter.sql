-- 企业季度数据 rows of every accepted version (confidential): codes upper-cased and trimmed,
-- contract columns renamed with their unit suffixes and typed, nothing filtered.
with source as (
    select * from {{ source('intake', 'raw_enterprise_quarter') }}
),

renamed as (
    select
        {{ staged_columns(enterprise_quarter_measures(), 'source',
                          code_columns=['uscc', 'park_code', 'industry_code'],
                          text_columns=['enterprise_name']) }}
    from source
)

select * from renamed
