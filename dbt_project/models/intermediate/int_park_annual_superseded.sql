-- Annual rows of accepted versions that a later version replaced (all of them, not deduplicated:
-- the revision comparison picks the winning quarter within each version set).
{{ config(materialized='view') }}

{{ rows_of_versions('stg_park_annual', 'superseded') }}
