@testable import ChatTelegram
import JSONKit
@testable import TelegramFake
import Testing

/// Found by the `markdown` fuzz target (Tests/Fuzz, libFuzzer): `[link](hTtps://example.com)`
/// became a text_link whose url Telegram's rules (the fake's) refuse; the scheme is sent in
/// lower case now, the rest of the URL as written.
@Suite("Telegram link schemes")
struct TelegramLinkSchemeTests {
    @Test("a link's scheme is lower-cased, the rest kept; the fake Telegram accepts the entities", arguments: [
        ("[link](hTtps://example.com/Path?Q=1)", "https://example.com/Path?Q=1"),
        ("[a](HTTP://Example.COM)", "http://Example.COM"),
        ("[me](TG://user?id=1)", "tg://user?id=1"),
        ("[ok](https://x.org)", "https://x.org"),
    ])
    func scheme(_ markdown: String, _ url: String) throws {
        let rendered = TelegramMarkdown.render(markdown)
        let link = try #require(rendered.entities.first { $0.kind == .textLink })
        #expect(link.url == url)
        if case .failure(let error) = FakeEntity.parse(.array(rendered.entities.map(\.json)), text: rendered.text) {
            Issue.record("the fake Telegram refuses \(markdown): \(error)")
        }
    }
}
