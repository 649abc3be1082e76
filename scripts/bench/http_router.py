"""Drives a running `acpd run` (config: scripts/bench/http-router.yaml) through the http channel.

  python3 scripts/bench/http_router.py seq N    N sequential prompts to one route-bound conversation:
                                               POST accepted latency and POST -> final message delivered
  python3 scripts/bench/http_router.py conc N   one prompt to each of N new conversations (N sessions), 32 at a time
Read acpd's RSS from /proc/<pid>/status alongside (see docs/benchmarks.md).
"""
import json, time, urllib.request, sys, concurrent.futures
BASE="http://127.0.0.1:7979"; H={"Authorization":"Bearer bench-token","Content-Type":"application/json"}
def req(m, p, body=None):
    r=urllib.request.Request(BASE+p, data=json.dumps(body).encode() if body else None, headers=H, method=m)
    with urllib.request.urlopen(r) as f: return json.loads(f.read())
def turn(conv, i, text):
    t0=time.perf_counter()
    out=req("POST","/v1/messages",{"conversationId":conv,"senderId":"bench","text":text,"messageId":f"{conv}-{i}"})
    t1=time.perf_counter()
    run=out["runId"]
    while True:
        msgs=req("GET",f"/v1/conversations/{conv}/messages?after=0")["messages"]
        if any(m.get("runId")==run and m.get("final") for m in msgs): break
        time.sleep(0.001)
    return t1-t0, time.perf_counter()-t0
mode=sys.argv[1]
if mode=="seq":
    n=int(sys.argv[2]); turn("warm",0,"warm")
    acc=[];done=[]
    for i in range(n):
        a,d=turn("seq",i,f"t{i} [chunks=1]"); acc.append(a); done.append(d)
    acc.sort(); done.sort()
    p=lambda s,q: s[min(len(s)-1,int(q*len(s)))]
    print(f"POST accepted (runId queued): p50 {p(acc,.5)*1000:.2f} ms p99 {p(acc,.99)*1000:.2f} ms; POST->final delivered (polling 1 ms): p50 {p(done,.5)*1000:.2f} ms p99 {p(done,.99)*1000:.2f} ms over {n}")
else:
    n=int(sys.argv[2]); t0=time.time()
    with concurrent.futures.ThreadPoolExecutor(32) as ex:
        res=list(ex.map(lambda i: turn(f"c{i}",0,"hi"), range(n)))
    print(f"{n} sessions, all turns complete in {time.time()-t0:.1f} s")
