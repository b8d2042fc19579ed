-- wrk script: GET one row of t00 through production's get_t00 router.
wrk.method = "GET"
