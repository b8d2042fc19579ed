-- wrk script: POST the reference's ~230-byte post (../shared/bench-reference/post.lua) to
-- ServerKit's blog `createPost` router. Same title and body; `published` is a JSON
-- boolean there (the router's input schema refuses the reference's integer 1).
-- env: AUTH_TOKEN (an end user's token; the router needs a signed-in caller).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
if os.getenv("AUTH_TOKEN") then
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("AUTH_TOKEN")
end
wrk.body = '{"title":"Post bench: lorem ipsum dolor sit amet","body":"incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua enim ad minim veniam quis","published":true}'

dofile(os.getenv("SUMMARY_LUA") or "summary.lua")
