-- Park-quarter rows of accepted versions that a later version replaced. Never used for current
-- figures: they only feed the revision comparison (fct_revisions).
{{ config(materialized='view') }}

{{ rows_of_versions('stg_park_quarter', 'superseded') }}
