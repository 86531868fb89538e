with

source as (
    select * from {{ source('platform', 'quarantine') }}
    where {{ ds_filter(source('platform', 'quarantine')) }}
),

final as (
    select
        ds,
        source_table,
        source_file,
        line_number,
        reason,
        raw_line
    from source
)

select * from final
