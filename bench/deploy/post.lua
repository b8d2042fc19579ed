-- wrk script: POST a row to production's create_t00 router as an end user (env AUTH_TOKEN).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("AUTH_TOKEN") or "")
wrk.body = '{"title":"deploy bench","amount":3,"published":true}'
