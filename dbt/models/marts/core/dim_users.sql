{{ config(redshift_layout(dist='all', sort=['user_id'])) }}

with

users as (
    select * from {{ ref('int_users__features_joined') }}
),

final as (
    select
        user_id,
        has_demographics,
        n_ratings,
        avg_rating,
        first_rated_at,
        last_rated_at,
        coalesce(gender, 'unknown') as gender,
        coalesce(age_bucket, 'unknown') as age_bucket,
        coalesce(occupation, 'unknown') as occupation,
        coalesce(zip_region, 'unknown') as zip_region
    from users
)

select * from final
