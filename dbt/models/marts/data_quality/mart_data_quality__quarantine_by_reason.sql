with

quarantine as (
    select * from {{ ref('stg_platform__quarantine') }}
),

final as (
    select
        ds,
        source_table,
        reason,
        count(*) as n_rows,
        count(distinct source_file) as n_files,
        min(line_number) as first_line_number
    from quarantine
    group by ds, source_table, reason
)

select * from final
