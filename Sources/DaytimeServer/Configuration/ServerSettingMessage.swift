import DaytimeCore

/// A message that names ``ServerSetting``s: see `SettingMessage`.
public typealias SettingMessage = DaytimeCore.SettingMessage<ServerSetting>
