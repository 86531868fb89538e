{#- No row is lost: every day's rows in = clean + quarantined + deduplicated. -#}
select *
from {{ ref('mart_data_quality__daily_counts') }}
where rows_in != rows_clean + rows_quarantined + rows_deduplicated
