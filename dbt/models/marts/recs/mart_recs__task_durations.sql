{#- One row per task of each DAG run: its last try's state and seconds, and how many tries it took.
    Built after publishing, so it holds every task of earlier runs and this run's up to publish. -#}
with

task_runs as (
    select * from {{ ref('stg_platform__task_runs') }}
),

ranked as (
    select
        ds,
        dag_run_id,
        task_id,
        try_number,
        state,
        started_at,
        ended_at,
        seconds,
        count(*) over (partition by dag_run_id, task_id) as n_tries,
        row_number() over (partition by dag_run_id, task_id order by try_number desc) as newest_first
    from task_runs
    where map_index = -1
),

final as (
    select
        ds,
        dag_run_id,
        task_id,
        state,
        started_at,
        ended_at,
        n_tries,
        seconds
    from ranked
    where newest_first = 1
)

select * from final
