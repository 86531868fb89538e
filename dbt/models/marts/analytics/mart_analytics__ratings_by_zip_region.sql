{{ ratings_by_user_attribute('zip_region') }}
