{#- One snapshot of the ratings per load date: a run replaces its own ds and keeps the others. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='ds',
    on_schema_change='fail',
    **redshift_layout(dist='user_id', sort=['ds', 'rated_at'])
) }}

with

ratings as (
    select * from {{ ref('stg_movies__ratings') }}
),

final as (
    select
        ds,
        user_id,
        movie_id,
        rating,
        rated_at,
        cast(rated_at as date) as rated_on
    from ratings
)

select * from final
