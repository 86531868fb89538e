{#- Every finished try of every task (no ds filter): the operators' dashboards follow them over runs. -#}
with

source as (
    select * from {{ source('platform', 'task_runs') }}
),

final as (
    select
        ds,
        dag_id,
        dag_run_id,
        task_id,
        map_index,
        try_number,
        state,
        started_at,
        ended_at,
        seconds
    from source
)

select * from final
