{#- One row per (day, input table): what the clean job read, kept, quarantined and superseded. -#}
with

counts as (
    select * from {{ ref('stg_platform__clean_counts') }}
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
        top_reason_rows,
        {{ round_to(ratio('rows_quarantined', 'rows_in'), 6) }} as quarantine_rate
    from counts
)

select * from final
