-- One row per park-quarter from the version in force of each city-quarter: the rows every
-- current figure is computed from.
{{ config(materialized='view') }}

{{ rows_of_versions('stg_park_quarter', 'in_force') }}
