"""Where a process's resident memory is: /proc/<pid>/smaps summed by mapping group.

  python3 scripts/bench/rss_breakdown.py PID

Groups: the executable itself (on Linux it carries the Swift runtime and FoundationEssentials,
linked statically), any Swift runtime library loaded dynamically (/opt/swift or wherever
libswiftCore.so lives), Foundation's networking libraries if anything loads them (libcurl, GnuTLS,
Kerberos, ...), SQLite, the C/C++ runtime and other system libraries, anonymous memory. For each
file-backed group, how many of its 64 KiB windows of code are resident and how many of those
completely: the kernel maps clean file pages in 64 KiB blocks around each touched page
("fault-around"), so one touched page counts 64 KiB of RSS.
"""
import os, re, struct, sys

NETWORKING = re.compile(r"FoundationNetworking|libcurl|gnutls|krb5|k5crypto|gssapi|ldap|lber|libssl|libcrypto|p11-kit|nettle|"
                        r"hogweed|gmp|unistring|idn2|ssh2|rtmp|psl|nghttp2|brotli|zstd|sasl|tasn1|libffi|keyutils|com_err|"
                        r"resolv")


def group(name, exe):
    if name == exe:
        return "executable"
    if name.startswith("[") or name == "":
        return "anonymous mappings (heap, stacks, malloc)"
    if NETWORKING.search(name):
        return "FoundationNetworking + its system libraries"
    if "/swift/" in name or "Foundation" in name or "libdispatch" in name or "BlocksRuntime" in name:
        return "Swift runtime + Foundation"
    if "sqlite" in name:
        return "SQLite"
    return "C/C++ runtime and other system libraries"


def main():
    pid = int(sys.argv[1])
    exe = os.readlink(f"/proc/{pid}/exe")
    totals, anon_dirty, windows = {}, 0, {}
    current, start, end = None, 0, 0
    pagemap = open(f"/proc/{pid}/pagemap", "rb")
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            header = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$", line)
            if header:
                start, end = int(header.group(1), 16), int(header.group(2), 16)
                current = group(header.group(4).strip(), exe)
                if "x" in header.group(3) and not current.startswith("anonymous"):
                    touched = full = count = 0
                    for window in range(start, end, 65536):
                        present = []
                        for page in range(window, min(window + 65536, end), 4096):
                            pagemap.seek(page // 4096 * 8)
                            present.append(struct.unpack("Q", pagemap.read(8))[0] >> 63)
                        count += 1
                        touched += any(present)
                        full += all(present)
                    w = windows.setdefault(current, [0, 0, 0])
                    w[0] += count; w[1] += touched; w[2] += full
            elif line.startswith("Rss:"):
                totals[current] = totals.get(current, 0) + int(line.split()[1])
            elif line.startswith("Anonymous:"):
                anon_dirty += int(line.split()[1])
    total = sum(totals.values())
    print(f"pid {pid} ({exe}): RSS {total / 1024:.1f} MiB, of which anonymous (private, incl. copy-on-write data) {anon_dirty / 1024:.1f} MiB")
    for name, kib in sorted(totals.items(), key=lambda item: -item[1]):
        extra = ""
        if name in windows:
            count, touched, full = windows[name]
            extra = f"   code: {touched} of {count} 64-KiB windows resident, {full} of them entirely"
        print(f"  {kib / 1024:6.1f} MiB  {name}{extra}")


if __name__ == "__main__":
    main()
