import DaytimeCore

/// A message that names ``ServerSetting``s: see ``DaytimeCore/SettingMessage``.
public typealias SettingMessage = DaytimeCore.SettingMessage<ServerSetting>
