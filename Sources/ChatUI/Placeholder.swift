public enum ChatUIPlaceholder {}
