-- One row per enterprise-quarter (confidential) from the version in force of each city-quarter.
{{ config(materialized='view') }}

{{ rows_of_versions('stg_enterprise_quarter', 'in_force') }}
