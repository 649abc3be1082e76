/// The fake Discord (REST + gateway) on 127.0.0.1; filled in by DiscordFakeServer.swift.
enum DiscordFake {}
