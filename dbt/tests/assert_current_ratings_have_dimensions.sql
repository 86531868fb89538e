-- Every rating of the run's ds points at a user and a movie of the dimensions.
select ratings.ds, ratings.user_id, ratings.movie_id
from {{ ref('fct_ratings') }} as ratings
left join {{ ref('dim_users') }} as users on ratings.user_id = users.user_id
left join {{ ref('dim_movies') }} as movies on ratings.movie_id = movies.movie_id
where {{ ds_filter(ref('fct_ratings')) }}
    and (users.user_id is null or movies.movie_id is null)
