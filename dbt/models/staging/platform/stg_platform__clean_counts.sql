{#- Every day's accounting (no ds filter): the operators' dashboards follow it over runs. -#}
with

source as (
    select * from {{ source('platform', 'clean_counts') }}
),

final as (
    select
        ds,
        source_table,
        rows_in,
        rows_clean,
        rows_quarantined,
        rows_deduplicated,
        rows_state,
        top_reason,
        top_reason_rows
    from source
)

select * from final
