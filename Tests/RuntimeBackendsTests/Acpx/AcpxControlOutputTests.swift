import ACPControlPlane
import Testing

@testable import RuntimeBackends

@Suite("acpx control-command JSON")
struct AcpxControlOutputTests {
    @Test("sessions ensure results, current and legacy shapes")
    func ensured() {
        let cases: [(String, AcpxEnsuredSession?)] = [
            (#"{"action":"session_ensured","created":true,"acpxRecordId":"r1","acpxSessionId":"s1","agentSessionId":"native-1","name":"n"}"#,
             AcpxEnsuredSession(recordId: "r1", acpSessionId: "s1", agentSessionId: "native-1", created: true)),
            (#"{"action":"session_ensured","created":false,"acpxRecordId":"r1","acpxSessionId":"s1","name":"n"}"#,
             AcpxEnsuredSession(recordId: "r1", acpSessionId: "s1", agentSessionId: nil, created: false)),
            (#"{"type":"session_ensured","created":true,"acpxRecordId":"r2","acpxSessionId":"s2"}"#,
             AcpxEnsuredSession(recordId: "r2", acpSessionId: "s2", agentSessionId: nil, created: true)),
            // Legacy `sessions new`: created, session id falls back to the record id.
            (#"{"type":"session_created","id":"r3"}"#,
             AcpxEnsuredSession(recordId: "r3", acpSessionId: "r3", agentSessionId: nil, created: true)),
            (#"{"action":"session_ensured","created":true}"#, nil),
            (#"{"action":"cancel_result","cancelled":true}"#, nil),
            ("not json", nil),
        ]
        for (line, expected) in cases {
            #expect(AcpxControlOutput(lines: [line]).ensured == expected, "\(line)")
        }
    }

    @Test("cancel and close results")
    func cancelAndClose() {
        #expect(AcpxControlOutput(lines: [#"{"action":"cancel_result","acpxRecordId":"r","cancelled":true}"#]).cancelled == true)
        #expect(AcpxControlOutput(lines: [#"{"action":"cancel_result","acpxRecordId":"unknown","cancelled":false}"#]).cancelled == false)
        #expect(AcpxControlOutput(lines: [#"{"type":"cancel_requested"}"#]).cancelled == true)
        #expect(AcpxControlOutput(lines: []).cancelled == nil)
        #expect(AcpxControlOutput(lines: [#"{"action":"session_closed","acpxRecordId":"r"}"#]).closed)
        #expect(!AcpxControlOutput(lines: [#"{"action":"session_ensured","created":true,"acpxRecordId":"r","acpxSessionId":"s"}"#]).closed)
    }

    @Test("error lines are read with acpx's data fields")
    func errors() {
        let output = AcpxControlOutput(lines: [
            "",
            "[acpx] banner that strict mode should have hidden",
            #"{"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"agent crashed","data":{"acpxCode":"RUNTIME","detailCode":"AUTH_REQUIRED","origin":"acp","retryable":false}}}"#,
            #"{"jsonrpc":"2.0","id":null,"error":{"code":-32002,"message":"  "}}"#,
        ])
        #expect(output.malformedLines == 1)
        #expect(output.errors == [
            AcpxReportedError(code: -32603, message: "agent crashed", acpxCode: "RUNTIME", detailCode: "AUTH_REQUIRED",
                              origin: "acp", retryable: false),
            AcpxReportedError(code: -32002, message: "acpx reported an error"),
        ])
        #expect(output.results.isEmpty)
    }
}

@Suite("acpx prompt input")
struct AcpxPromptInputTests {
    @Test("single-line text goes as is, everything else as one line of JSON content blocks")
    func encoding() {
        let cases: [([ContentBlock], String?)] = [
            ([.text("hello")], "hello"),
            ([.text("  padded  ")], "padded"),
            ([], nil),
            ([.text("   ")], nil),
            ([.text("line one\nline two")], #"[{"text":"line one\nline two","type":"text"}]"#),
            ([.text("a"), .text("b")], #"[{"text":"a","type":"text"},{"text":"b","type":"text"}]"#),
            ([.text("[1,2,3]")], #"[{"text":"[1,2,3]","type":"text"}]"#),
            ([.text("see"), .resourceLink(uri: "file:///a.md", name: "a.md", mimeType: nil)],
             #"[{"text":"see","type":"text"},{"name":"a.md","type":"resource_link","uri":"file:///a.md"}]"#),
            ([.embeddedText(uri: "file:///n.txt", text: "x", mimeType: "text/plain")],
             #"[{"resource":{"mimeType":"text/plain","text":"x","uri":"file:///n.txt"},"type":"resource"}]"#),
            ([.image(base64: "AAAA", mimeType: "image/png")], #"[{"data":"AAAA","mimeType":"image/png","type":"image"}]"#),
        ]
        for (prompt, expected) in cases {
            let encoded = AcpxPromptInput.encode(prompt)
            #expect(encoded == expected)
            #expect(encoded?.contains("\n") != true)
        }
    }
}
