-- One row per enterprise-quarter (confidential) from the version in force of each city-quarter.
with versions_in_force as (
    select version_id
    from {{ source('intake', 'submission_versions') }}
    where in_force
),

enterprise_quarter as (
    select
        {{ staged_columns(enterprise_quarter_measures(), 'raw',
                          code_columns=['uscc', 'park_code', 'industry_code'],
                          text_columns=['enterprise_name']) }}
    from {{ source('intake', 'raw_enterprise_quarter') }} as raw
    inner join versions_in_force using (version_id)
)

select * from enterprise_quarter
