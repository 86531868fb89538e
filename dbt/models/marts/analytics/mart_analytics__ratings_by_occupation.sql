{{ ratings_by_user_attribute('occupation') }}
